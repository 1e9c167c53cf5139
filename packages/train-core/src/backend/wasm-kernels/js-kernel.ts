import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's `BackendWasm` a JS-loop kernel needs. @internal */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * Runs a JS-loop kernel on wasm memory without copies: allocates the float32 output
 * first (so the heap cannot grow and detach the views below), zero-fills it (unless
 * `zeroFill` is false, for bodies that write every value), and hands views of the
 * inputs and the output to `body`.
 * @internal
 */
export function runOnHeap(
  backend: object,
  inputs: tf.TensorInfo[],
  outShape: number[],
  body: (inputs: Float32Array[], out: Float32Array) => void,
  zeroFill = true,
): tf.TensorInfo {
  const wasm = backend as unknown as WasmHeapBackend;
  const out = wasm.makeOutput(outShape, 'float32');
  const outView = wasm.typedArrayFromHeap(out);
  if (zeroFill) outView.fill(0);
  body(
    inputs.map((t) => wasm.typedArrayFromHeap(t)),
    outView,
  );
  return out;
}
