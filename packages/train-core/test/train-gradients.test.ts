import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2Like, selectBackend, smallCnn } from '../src';
import { randData, relError, rng } from './helpers';

/** Loss gradients of every trainable weight of a freshly built model, on one backend. */
async function weightGrads(backend: string, build: () => tfl.LayersModel, xs: Float32Array, size: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  const x = tf.tensor4d(xs, [4, size, size, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 2, 1, 0], 'int32'), 3);
  const { grads } = tf.variableGrads(
    () => tf.mean(tfl.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
  );
  const out = await Promise.all(model.trainableWeights.map((w) => grads[w.originalName].data() as Promise<Float32Array>));
  tf.dispose([x, y, ...Object.values(grads)]);
  model.dispose();
  return out;
}

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

// The whole backward pass of both example models (convs, depthwise convs, batch norm,
// pooling, ReLU6, residual adds) on wasm + our kernels equals the cpu backend's.
test.each([
  ['small CNN', () => smallCnn({ numClasses: 3, inputSize: 16, seed: 3 }), 16],
  ['MobileNetV2-style', () => mobileNetV2Like({ numClasses: 3, inputSize: 32, seed: 3 }), 32],
] as const)('%s: weight gradients on wasm match cpu', async (_name, build, size) => {
  const xs = randData(rng(5), 4 * size * size * 3);
  const ref = await weightGrads('cpu', build, xs, size);
  const got = await weightGrads('wasm', build, xs, size);
  expect(got).toHaveLength(ref.length);
  // Some batch-norm betas feed another batch norm, which cancels any shift: their true
  // gradient is 0 and both backends return float noise (~1e-8 of the largest gradient;
  // the fused batch-norm gradient on wasm sums it in another order). Scale errors by at
  // least 1e-3 of the largest gradient of the model so noise is not compared to noise.
  const top = Math.max(...ref.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  const errors = got.map((g, i) => relError(g, ref[i], 1e-3 * top));
  expect(Math.max(...errors)).toBeLessThanOrEqual(1e-3);
});
