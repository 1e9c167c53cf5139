import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Accuracy, ConfusionMatrix, MeanIou, PrecisionRecallF1, TopKAccuracy } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One-hot-ish scores whose arg-max is `cls`. */
function scores(classes: number[], n = 3): tf.Tensor {
  return tf.tensor2d(classes.map((c) => Array.from({ length: n }, (_, k) => (k === c ? 0.8 : 0.1))));
}

test('accuracy over batches, with index or one-hot targets', () => {
  const acc = new Accuracy();
  acc.update(tf.tensor1d([0, 1], 'int32'), scores([0, 2]));
  acc.update(tf.oneHot(tf.tensor1d([2, 1], 'int32'), 3), scores([2, 1]));
  expect(acc.result()).toEqual({ acc: 0.75 });
  acc.reset();
  expect(acc.result()).toEqual({ acc: 0 });
});

test('top-k accuracy', () => {
  const top2 = new TopKAccuracy(2);
  const pred = tf.tensor2d([
    [0.5, 0.3, 0.2], // target 1: 2nd -> hit
    [0.5, 0.3, 0.2], // target 2: 3rd -> miss
    [0.1, 0.2, 0.7], // target 2: 1st -> hit
  ]);
  top2.update(tf.tensor1d([1, 2, 2]), pred);
  expect(top2.result().top2).toBeCloseTo(2 / 3, 12);
  expect(() => new TopKAccuracy(0)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

// truth [0,0,1,1,2,2] vs pred [0,1,1,1,2,0]: rows [1,1,0] [0,2,0] [1,0,1]
const truth = (): tf.Tensor => tf.tensor1d([0, 0, 1, 1, 2, 2]);
const pred = (): tf.Tensor => scores([0, 1, 1, 1, 2, 0]);

test('confusion matrix', () => {
  const cm = new ConfusionMatrix();
  cm.update(truth(), pred());
  expect(cm.matrix()).toEqual([
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 1],
  ]);
  expect(cm.result().overallAcc).toBeCloseTo(4 / 6, 12);
});

test('macro precision / recall / F1', () => {
  const m = new PrecisionRecallF1();
  m.update(truth(), pred());
  // P = (1/2, 2/3, 1), R = (1/2, 1, 1/2), F1 = (1/2, 4/5, 2/3)
  const r = m.result();
  expect(r.precision).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
  expect(r.recall).toBeCloseTo((0.5 + 1 + 0.5) / 3, 12);
  expect(r.f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
});

test('mIoU over pixels, ignoring out-of-range labels', () => {
  const miou = new MeanIou(3);
  // The same pairs as a 1×2×3 "image" plus one pixel labelled 255 (ignored).
  const t = tf.tensor3d([[[0, 0, 1, 1, 2, 2, 255]]], [1, 1, 7]);
  const p = tf.reshape(tf.concat([pred(), tf.tensor2d([[0.9, 0.05, 0.05]])]), [1, 1, 7, 3]);
  miou.update(t, p);
  // IoU = 1/3 (tp 1, fp 1, fn 1), 2/3 (tp 2, fp 1), 1/2 (tp 1, fn 1)
  expect(miou.perClass().map((v) => +v.toFixed(6))).toEqual([0.333333, 0.666667, 0.5]);
  expect(miou.result().miou).toBeCloseTo(0.5, 12);
  expect(miou.result().pixelAcc).toBeCloseTo(4 / 6, 12);
});

test('mismatched shapes are a typed error', () => {
  expect(() => new Accuracy().update(tf.zeros([2, 2, 2]), tf.zeros([2]))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});
