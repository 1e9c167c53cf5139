import * as tf from '@tensorflow/tfjs-core';
import { Accuracy, Adam, ArrayDataset, cosineWarmup, crossEntropy, generateShapes, randomHorizontalFlip, selectBackend, smallCnn, Trainer } from '../src';

// The headline: the small CNN trained FROM SCRATCH on generated shapes (circle, square,
// triangle, cross at random place/size/colour on noisy backgrounds) reaches >= 95% on a
// held-out generated set, on the wasm backend with train-core's gradient kernels.
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

function shapesDataset(count: number, seed: number, augment: boolean): ArrayDataset {
  const data = generateShapes({ count, size: 32, seed });
  const inputs = tf.tensor4d(data.images, [count, 32, 32, 3]);
  const ds = new ArrayDataset({ inputs, targets: Array.from(data.labels), numClasses: 4, transform: augment ? randomHorizontalFlip() : undefined });
  inputs.dispose();
  return ds;
}

test('smallCnn learns generated shapes to >= 95% held-out accuracy on wasm', async () => {
  const train = shapesDataset(2000, 11, true);
  const test = shapesDataset(400, 999, false);
  const epochs = 2;
  const batchSize = 16;
  const steps = epochs * Math.ceil(train.length / batchSize);
  // Batch-norm momentum 0.9: with Keras' 0.99 the moving statistics lag this short run
  // and held-out accuracy in inference mode trails training accuracy by 30+ points.
  const model = smallCnn({ numClasses: 4, inputSize: 32, blocks: 4, baseFilters: 12, seed: 5, batchNormMomentum: 0.9 });
  const trainer = new Trainer({
    model,
    optimizer: new Adam({ learningRate: cosineWarmup({ baseLr: 5e-3, totalSteps: steps, warmupSteps: 10 }) }),
    lossFn: crossEntropy(),
    metrics: [new Accuracy()],
    seed: 3,
  });
  await trainer.fit(train, { epochs, batchSize, logInterval: 20 });
  const result = await trainer.evaluate(test, { batchSize: 100 });
  expect(result.acc).toBeGreaterThanOrEqual(0.95);
  // No time bound here: tests do not assert speed. The training time quoted in the README
  // comes from tools/bench/train-shapes.ts, which runs this same setup and prints it.
  trainer.dispose();
  model.dispose();
}, 120_000);
