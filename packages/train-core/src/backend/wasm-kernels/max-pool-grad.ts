import * as tf from '@tensorflow/tfjs-core';
import { runOnHeap } from './js-kernel';

/**
 * MaxPoolGrad for wasm. tfjs-backend-wasm 4.22 has a native one, but it drops the
 * gradient of every window whose maximum is negative (found by our cpu comparison
 * test), so we replace it. Like TensorFlow, the gradient goes to the first maximum of
 * each window in scan order. A plain loop: the work is a few reads per output value,
 * far cheaper than composing it from masks and shifted adds (measured 1.2 s → ~10 ms
 * per benchmark step).
 */
export const maxPoolGradKernel: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    return runOnHeap(backend, [input, dy], input.shape.slice(), ([x, g], dx) => {
    for (let b = 0; b < n; b++) {
      for (let yr = 0; yr < oh; yr++) {
        const r0 = yr * info.strideHeight - info.padInfo.top;
        for (let yc = 0; yc < ow; yc++) {
          const c0 = yc * info.strideWidth - info.padInfo.left;
          const gBase = ((b * oh + yr) * ow + yc) * c;
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let at = -1;
            for (let i = 0; i < info.filterHeight; i++) {
              const r = r0 + i;
              if (r < 0 || r >= h) continue;
              for (let j = 0; j < info.filterWidth; j++) {
                const cc = c0 + j;
                if (cc < 0 || cc >= w) continue;
                const idx = ((b * h + r) * w + cc) * c + ch;
                if (x[idx] > best || at < 0) {
                  best = x[idx];
                  at = idx;
                }
              }
            }
            if (at >= 0) dx[at] += g[gBase + ch];
          }
        }
      }
    }
    });
  },
};
