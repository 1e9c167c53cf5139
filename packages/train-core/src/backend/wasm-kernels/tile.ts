import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-info';

/**
 * Tile for wasm as one broadcasting add: x reshaped to [1, d0, 1, d1, …] plus zeros
 * of [r0, d0, r1, d1, …], reshaped to [r0·d0, r1·d1, …]. The batch-norm and reduction
 * gradients tile a lot, and the native wasm Tile (per-element index arithmetic) was the
 * largest kernel of a training step (~0.4 s of 1.5 s for the benchmark's small CNN).
 */
export const tileKernel: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x } = inputs as unknown as { x: tf.TensorInfo };
    const { reps } = attrs as unknown as tf.TileAttrs;
    return tf.tidy(() => {
      const input = asTensor(x, backend);
      // Adding zeros (not multiplying by ones) keeps int32 exact; bools go through int32.
      const xt = input.dtype === 'bool' ? tf.cast(input, 'int32') : input;
      // Pairs (input size, output size) per axis; a tiled axis of size > 1 needs its own
      // broadcast axis. Adjacent axes of the same kind merge, which keeps the rank low:
      // wasm's broadcasting Add gave wrong results at rank 8 (found by our gradient test).
      const pairs: [number, number][] = [];
      xt.shape.forEach((d, i) => {
        if (reps[i] > 1 && d > 1) pairs.push([1, reps[i]], [d, d]);
        else pairs.push([d, d * reps[i]]);
      });
      const merged: [number, number][] = [];
      for (const [a, b] of pairs) {
        const last = merged[merged.length - 1];
        const kind = a === b ? 'keep' : a === 1 ? 'spread' : 'other';
        const lastKind = last === undefined ? 'none' : last[0] === last[1] ? 'keep' : last[0] === 1 ? 'spread' : 'other';
        if (last !== undefined && kind === lastKind && kind !== 'other') {
          last[0] *= a;
          last[1] *= b;
        } else merged.push([a, b]);
      }
      const out = xt.shape.map((d, i) => d * reps[i]);
      let tiled: tf.Tensor;
      if (merged.length <= 4) {
        const small = tf.reshape(xt, merged.map(([a]) => a));
        tiled = tf.reshape(tf.add(small, tf.zeros(merged.map(([, b]) => b), xt.dtype)), out);
      } else {
        // Rare shapes: copy one axis at a time, exact for any rank.
        tiled = xt;
        reps.forEach((r, axis) => {
          if (r > 1) tiled = tf.concat(Array.from({ length: r }, () => tiled), axis);
        });
      }
      return input.dtype === 'bool' ? tf.cast(tiled, 'bool') : tiled;
    });
  },
};
