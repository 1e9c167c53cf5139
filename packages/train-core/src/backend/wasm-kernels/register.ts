import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input';
import { maxPoolGradKernel } from './max-pool-grad';
import { tileKernel } from './tile';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-backprop';
import { rangeMaskGradKernel, useFusedReluGradients } from './relu-grad';
import { useFusedBatchNormTraining } from '../fused-batch-norm';

/**
 * Gradient kernels train-core adds to the wasm backend. tfjs-backend-wasm 4.22 lacks
 * Conv2DBackpropFilter and the depthwise gradients; its native MaxPoolGrad is wrong for
 * negative windows; its AvgPoolGrad and ResizeBilinearGrad match cpu (our tests check
 * all of them). Conv2DBackpropInput and Tile are replaced by faster compositions.
 * `ModelkitRangeMaskGrad` is ours: the one-pass gradient of Relu, Relu6 and ClipByValue.
 */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  maxPoolGradKernel,
  tileKernel,
  rangeMaskGradKernel,
];

let registered = false;

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the `wasm` backend (replacing a native
 * kernel of the same name) and makes the gradients of Relu, Relu6 and ClipByValue one
 * kernel each when the wasm backend is active (tfjs' own gradient elsewhere), and batch
 * norm train with one analytic gradient there (../fused-batch-norm). Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const k of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm') !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  useFusedReluGradients(true);
  useFusedBatchNormTraining(true);
  registered = true;
}
