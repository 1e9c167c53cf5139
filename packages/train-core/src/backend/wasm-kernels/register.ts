import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input';
import { maxPoolGradKernel } from './max-pool-grad';
import { tileKernel } from './tile';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-backprop';

/**
 * Gradient kernels train-core adds to the wasm backend. tfjs-backend-wasm 4.22 lacks
 * Conv2DBackpropFilter and the depthwise gradients; its native MaxPoolGrad is wrong for
 * negative windows; its AvgPoolGrad and ResizeBilinearGrad match cpu (our tests check
 * all of them). Conv2DBackpropInput and Tile are replaced by faster compositions.
 */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  maxPoolGradKernel,
  tileKernel,
];

let registered = false;

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the `wasm` backend (replacing a native
 * kernel of the same name). Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const k of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm') !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  registered = true;
}
