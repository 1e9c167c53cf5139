import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Accuracy, distillationLoss, distillConfig, hardTargetMetric, matchTeacherClasses, type LossFn } from '../src';

// The distillation loss against values worked out by hand (and checked in Python), its
// gradient against the closed form, and the pure pieces around it: hard-label metrics,
// class matching, and the resume rules of the teacher record.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function value(loss: LossFn, yTrue: number[][], yPred: number[][]): number {
  const t = tf.tensor2d(yTrue);
  const p = tf.tensor2d(yPred);
  const before = tf.memory().numTensors;
  const l = loss(t, p);
  const v = l.dataSync()[0]!;
  l.dispose();
  expect(tf.memory().numTensors).toBe(before); // no leaked intermediates
  tf.dispose([t, p]);
  return v;
}

const log = (ps: number[]): number[] => ps.map(Math.log);

test('distillation loss: A·T²·KL(teacher ‖ student at T) + (1−A)·CE, on hand-computed values', () => {
  // C 2, T 2, A 0.5. Teacher logits [0, 2 ln 3]: softmax(t/2) = [1, 3]/4. Student [0.5, 0.5]
  // stays [0.5, 0.5] at any T. KL = 0.25 ln(0.25/0.5) + 0.75 ln(0.75/0.5) = 0.1308120;
  // T²·KL = 0.5232481; CE with label 0 = ln 2. Loss = 0.5·0.5232481 + 0.5·0.6931472.
  const two = distillationLoss({ numClasses: 2, temperature: 2, alpha: 0.5 });
  expect(value(two, [[1, 0, 0, 2 * Math.log(3)]], [[0.5, 0.5]])).toBeCloseTo(0.5 * 0.5232481437645479 + 0.5 * Math.LN2, 6);

  // C 3, T 2, A 0.7. Teacher probabilities p_t = [0.7, 0.2, 0.1] (given as log p_t, as the
  // teacher dataset does); student p_s = [0.2, 0.5, 0.3]; label 1. At T = 2 each side is
  // sqrt(p)/Σ sqrt(p): q_t = [0.52288, 0.27949, 0.19763], q_s = [0.26275, 0.41545, 0.32181];
  // KL = Σ q_t ln(q_t/q_s) = 0.1526775; CE = −ln 0.5.
  // Loss = 0.7·4·0.1526775 + 0.3·0.6931472 = 0.6354413.
  const three = distillationLoss({ numClasses: 3, temperature: 2, alpha: 0.7 });
  const row1 = [0, 1, 0, ...log([0.7, 0.2, 0.1])];
  expect(value(three, [row1], [[0.2, 0.5, 0.3]])).toBeCloseTo(0.6354412548496713, 5);
  // A second row where teacher and student agree (KL 0, CE −ln 0.8) halves into the batch mean.
  const row2 = [0, 0, 1, ...log([0.1, 0.1, 0.8])];
  expect(value(three, [row1, row2], [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])).toBeCloseTo(0.3511921601219671, 5);

  // Alpha 0 is the labels' cross-entropy alone; alpha 1 the tempered KL alone.
  expect(value(distillationLoss({ numClasses: 3, temperature: 2, alpha: 0 }), [row1], [[0.2, 0.5, 0.3]])).toBeCloseTo(-Math.log(0.5), 6);
  expect(value(distillationLoss({ numClasses: 3, temperature: 2, alpha: 1 }), [row1], [[0.2, 0.5, 0.3]])).toBeCloseTo(0.6107101438309823, 5);
  // Student logits instead of probabilities: the same numbers (log p are logits up to a constant).
  expect(value(distillationLoss({ numClasses: 3, temperature: 2, alpha: 0.7, fromLogits: true }), [row1], [log([0.2, 0.5, 0.3])])).toBeCloseTo(0.6354412548496713, 5);
  // A teacher probability that underflowed to 0 (floored at 1e-30 by the dataset) stays finite.
  expect(Number.isFinite(value(three, [[0, 1, 0, 0, Math.log(1e-30), Math.log(1e-30)]], [[0.2, 0.5, 0.3]]))).toBe(true);
});

test('without teacher columns (validation batches) the loss is the plain cross-entropy', () => {
  const loss = distillationLoss({ numClasses: 3 });
  expect(value(loss, [[0, 1, 0]], [[0.2, 0.5, 0.3]])).toBeCloseTo(-Math.log(0.5), 6);
  expect(() => loss(tf.zeros([1, 5]), tf.zeros([1, 3]))).toThrow(/neither 3 \(labels\) nor 6/);
  expect(() => loss(tf.zeros([1, 6]), tf.zeros([1, 2]))).toThrow(/2 classes, expected 3/);
  expect(() => distillationLoss({ numClasses: 3, alpha: 1.5 })).toThrow(/alpha must be in \[0, 1\]/);
  expect(() => distillationLoss({ numClasses: 3, temperature: 0 })).toThrow(/temperature must be > 0/);
});

test('the gradient reaches the student outputs only, and matches A·T·(q_s − q_t)/N + (1−A)·(p_s − y)/N', () => {
  // z = [0, 0], teacher logits [0, 2 ln 3], label 0, T 2, A 0.7:
  // q_s − q_t = [0.5 − 0.25, 0.5 − 0.75] = [0.25, −0.25] → 0.7·2·that = [0.35, −0.35];
  // p_s − y = [−0.5, 0.5] → 0.3·that = [−0.15, 0.15]. Sum [0.2, −0.2].
  const loss = distillationLoss({ numClasses: 2, temperature: 2, alpha: 0.7, fromLogits: true });
  const z = tf.variable(tf.tensor2d([[0, 0]]));
  const y = tf.tensor2d([[1, 0, 0, 2 * Math.log(3)]]);
  const { value: l, grads } = tf.variableGrads(() => loss(y, z), [z]);
  expect(Array.from(grads[z.name]!.dataSync())).toEqual([expect.closeTo(0.2, 6), expect.closeTo(-0.2, 6)]);
  // With softmax probabilities as outputs the gradient reaches the logits behind them the same way.
  const probsLoss = distillationLoss({ numClasses: 2, temperature: 2, alpha: 0.7 });
  const { grads: g2 } = tf.variableGrads(() => probsLoss(y, tf.softmax(z)), [z]);
  expect(Array.from(g2[z.name]!.dataSync())).toEqual([expect.closeTo(0.2, 5), expect.closeTo(-0.2, 5)]);
  tf.dispose([z, y, l, ...Object.values(grads), ...Object.values(g2)]);
});

test('hardTargetMetric scores against the labels half of [labels | teacher logits] targets', () => {
  const acc = hardTargetMetric(new Accuracy(), 3);
  // Teacher logits that would win an argmax over all six columns if they were read as labels.
  const y = tf.tensor2d([
    [1, 0, 0, 5, 9, 9],
    [0, 0, 1, 9, 9, 5],
  ]);
  acc.update(y, tf.tensor2d([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1]]));
  expect(acc.result()).toEqual({ acc: 0.5 });
  acc.reset();
  acc.update(tf.tensor2d([[0, 1, 0]]), tf.tensor2d([[0.1, 0.8, 0.1]]));
  expect(acc.result()).toEqual({ acc: 1 });
});

test('teacher classes: any order maps, a different set is an error naming the differences', () => {
  expect(matchTeacherClasses(['square', 'circle', 'triangle'], ['circle', 'square', 'triangle'])).toEqual([1, 0, 2]);
  let err: unknown;
  try {
    matchTeacherClasses(['circle', 'square', 'star'], ['circle', 'square', 'triangle']);
  } catch (e) {
    err = e;
  }
  expect(err).toMatchObject({ code: 'E_INVALID_ARGUMENT', details: { onlyTeacher: ['star'], onlyStudent: ['triangle'] } });
  expect((err as Error).message).toMatch(/the data has triangle which the teacher does not know; the teacher has star which the data does not/);
});

test('teacher record: defaults, usage errors, and resume rules by sha256', () => {
  const a = { source: 'a/model.onnx', path: '/x/a/model.onnx', sha256: 'a'.repeat(64) };
  const b = { source: 'b/model.onnx', path: '/x/b/model.onnx', sha256: 'b'.repeat(64) };
  expect(distillConfig({})).toBeUndefined();
  const saved = distillConfig({ teacher: a })!;
  expect(saved).toEqual({ teacher: 'a/model.onnx', path: '/x/a/model.onnx', sha256: 'a'.repeat(64), temperature: 4, alpha: 0.7 });
  expect(() => distillConfig({ alpha: 0.5 })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  expect(() => distillConfig({ teacher: a, temperature: -1 })).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/--distill-temperature/) }));
  expect(() => distillConfig({ teacher: a, alpha: 2 })).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/--distill-alpha/) }));
  // Resume: nothing given keeps the saved teacher; the same bytes elsewhere are fine (new path).
  expect(distillConfig({}, { saved, savedFileSha256: a.sha256 })).toEqual(saved);
  expect(distillConfig({ teacher: { ...a, path: '/moved/model.onnx' } }, { saved })).toEqual({ ...saved, path: '/moved/model.onnx' });
  expect(() => distillConfig({ teacher: b }, { saved })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', details: expect.objectContaining({ key: 'teacher' }) }));
  expect(() => distillConfig({}, { saved, savedFileSha256: b.sha256 })).toThrow(/changed since the run started/);
  expect(() => distillConfig({ temperature: 2 }, { saved })).toThrow(/distill temperature is 4 in the saved run but 2/);
  expect(() => distillConfig({ teacher: a }, { saved: undefined })).toThrow(/trained without a teacher/);
});
