import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { formatResultsTable, logUniform, searchHyperparameters, selectBackend, type Objective } from '../../src';
import { rng } from '../helpers';

/** Two Gaussian blobs in 4-D, seeded: linearly separable with a margin. */
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const r = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let d = 0; d < 4; d++) xs.push((label ? 1 : -1) * (d < 2 ? 1.2 : 0) + 0.8 * gauss());
    ys.push(label);
  }
  return { x: tf.tensor2d(xs, [n, 4]), y: tf.tensor2d(ys, [n, 1]) };
}

describe('learning-rate search over a real (tiny) tfjs training run', () => {
  beforeAll(async () => {
    await selectBackend({ prefer: 'cpu' }); // a 4-8-1 MLP: the JS backend has the least overhead
  });

  it('finds a learning rate that trains the model and ranks a too-small one below it', async () => {
    const train = blobs(128, 1);
    const val = blobs(128, 2);
    const objective: Objective = async (config, { budget }) => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) }),
          tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotUniform({ seed: 8 }) }),
        ],
      });
      const optimizer = tf.train.adam(config.lr as number);
      for (let step = 0; step < budget; step++) {
        const loss = optimizer.minimize(() => tf.mean(tfl.metrics.binaryCrossentropy(train.y, model.apply(train.x) as tf.Tensor)) as tf.Scalar, true);
        loss?.dispose();
      }
      const accuracy = tf.tidy(() => tf.mean(tf.equal(tf.greater(model.predict(val.x) as tf.Tensor, 0.5), tf.cast(val.y, 'bool'))).dataSync()[0]);
      optimizer.dispose();
      model.dispose();
      return { metric: accuracy };
    };
    const before = tf.memory().numTensors;
    const result = await searchHyperparameters({ lr: logUniform(1e-5, 1) }, objective, { algorithm: 'grid', gridPoints: 6, mode: 'max', budget: 40 });
    expect(tf.memory().numTensors).toBe(before);
    if (process.env.MK_PRINT_TABLE) process.stdout.write(`${formatResultsTable(result)}\n`);
    const smallest = result.trials.reduce((a, b) => ((a.config.lr as number) < (b.config.lr as number) ? a : b));
    expect(smallest.config.lr).toBeCloseTo(1e-5, 12);
    expect(result.best.metric).toBeGreaterThanOrEqual(0.9);
    expect(result.best.config.lr).toBeGreaterThanOrEqual(1e-3);
    // 40 Adam steps at lr 1e-5 barely move the weights: clearly worse than the best.
    expect(smallest.metric).toBeLessThan(result.best.metric - 0.05);
    tf.dispose([train.x, train.y, val.x, val.y]);
  });
});
