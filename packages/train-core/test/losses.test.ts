import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  balancedL1Loss,
  binaryCrossEntropy,
  crossEntropy,
  diceLoss,
  featureL2Loss,
  focalLoss,
  giouLoss,
  kdLoss,
  smoothL1Loss,
  type LossFn,
} from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function value(loss: LossFn, yTrue: number[] | number[][], yPred: number[] | number[][]): number {
  const t = tf.tensor(yTrue);
  const p = tf.tensor(yPred);
  const before = tf.memory().numTensors;
  const l = loss(t, p);
  const v = l.dataSync()[0];
  l.dispose();
  expect(tf.memory().numTensors).toBe(before); // no leaked intermediates
  tf.dispose([t, p]);
  return v;
}

test('cross-entropy: plain, label smoothing, from logits, soft targets', () => {
  expect(value(crossEntropy(), [[0, 1, 0]], [[0.2, 0.7, 0.1]])).toBeCloseTo(-Math.log(0.7), 6);
  // targets (1-0.3)·y + 0.3/3 = [0.1, 0.8, 0.1]
  expect(value(crossEntropy({ labelSmoothing: 0.3 }), [[0, 1, 0]], [[0.2, 0.7, 0.1]])).toBeCloseTo(0.6765422556938006, 6);
  expect(value(crossEntropy({ fromLogits: true }), [[0, 0, 1]], [[1, 2, 3]])).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, 5);
  // Two rows are averaged.
  expect(value(crossEntropy(), [[1, 0], [0.5, 0.5]], [[0.5, 0.5], [0.25, 0.75]])).toBeCloseTo(
    (-Math.log(0.5) - 0.5 * Math.log(0.25) - 0.5 * Math.log(0.75)) / 2,
    6,
  );
});

test('binary cross-entropy on probabilities and logits', () => {
  expect(value(binaryCrossEntropy(), [1, 0], [0.9, 0.2])).toBeCloseTo((-Math.log(0.9) - Math.log(0.8)) / 2, 6);
  expect(value(binaryCrossEntropy({ fromLogits: true }), [1], [0])).toBeCloseTo(Math.LN2, 6);
  expect(value(binaryCrossEntropy({ fromLogits: true }), [0], [2])).toBeCloseTo(2 + Math.log1p(Math.exp(-2)), 6);
  // A huge logit does not overflow.
  expect(value(binaryCrossEntropy({ fromLogits: true }), [1], [-100])).toBeCloseTo(100, 3);
});

test('focal loss (gamma 2, alpha 0.25)', () => {
  // y=1, p=0.9: 0.25·0.1²·-ln 0.9;  y=0, p=0.2: 0.75·0.2²·-ln 0.8
  expect(value(focalLoss(), [1, 0], [0.9, 0.2])).toBeCloseTo(0.0034788539142854282, 7);
  // gamma 0 and no alpha is BCE.
  expect(value(focalLoss({ gamma: 0, alpha: -1 }), [1, 0], [0.9, 0.2])).toBeCloseTo((-Math.log(0.9) - Math.log(0.8)) / 2, 6);
});

test('dice loss', () => {
  // inter 1.5, sums 2 + 2: 1 - (3 + 1) / (4 + 1)
  expect(value(diceLoss(), [[1, 0, 1, 0]], [[1, 0, 0.5, 0.5]])).toBeCloseTo(0.2, 6);
  expect(value(diceLoss(), [[0, 0]], [[0, 0]])).toBeCloseTo(0, 6);
});

test('smooth L1 and balanced L1', () => {
  expect(value(smoothL1Loss(), [0, 0], [0.5, 3])).toBeCloseTo((0.125 + 2.5) / 2, 6);
  // b = e^3 - 1; x = 0.5: 0.5/b·(0.5b + 1)·ln(0.5b + 1) - 0.25; x = 2: 3 + 1.5/b - 0.5
  expect(value(balancedL1Loss(), [0], [0.5])).toBeCloseTo(0.4005675069053246, 5);
  expect(value(balancedL1Loss(), [0], [-2])).toBeCloseTo(2.5785935447368837, 5);
  // Both pieces meet at beta.
  expect(value(balancedL1Loss(), [0], [0.99999])).toBeCloseTo(value(balancedL1Loss(), [0], [1.00001]), 4);
});

test('GIoU loss', () => {
  expect(value(giouLoss(), [[0, 0, 2, 2]], [[0, 0, 2, 2]])).toBeCloseTo(0, 6);
  // inter 1, union 7, hull 9: 1 - (1/7 - 2/9)
  expect(value(giouLoss(), [[1, 1, 3, 3]], [[0, 0, 2, 2]])).toBeCloseTo(1 - (1 / 7 - 2 / 9), 6);
  // disjoint: inter 0, union 2, hull 3
  expect(value(giouLoss(), [[2, 0, 3, 1]], [[0, 0, 1, 1]])).toBeCloseTo(1 + 1 / 3, 6);
});

test('distillation: T²·KL of tempered softmaxes, and feature L2', () => {
  // teacher softmax(t/2) = [0.25, 0.75], student softmax(0) = [0.5, 0.5]
  expect(value(kdLoss({ temperature: 2 }), [[0, 2 * Math.log(3)]], [[0, 0]])).toBeCloseTo(0.5232481437645479, 5);
  expect(value(kdLoss({ temperature: 3 }), [[1, 2, 3]], [[1, 2, 3]])).toBeCloseTo(0, 6);
  expect(value(featureL2Loss(), [[0, 0]], [[1, 2]])).toBeCloseTo(2.5, 6);
});

test('losses give gradients', () => {
  const p = tf.variable(tf.tensor2d([[0.5, 0.5]]));
  const { grads } = tf.variableGrads(() => crossEntropy()(tf.tensor2d([[1, 0]]), p), [p]);
  // d(-ln p0)/dp0 = -1/p0
  expect(Array.from(grads[p.name].dataSync())).toEqual([expect.closeTo(-2, 4), expect.closeTo(0, 6)]);
  tf.dispose([p, ...Object.values(grads)]);
});
