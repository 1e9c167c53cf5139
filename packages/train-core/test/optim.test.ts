import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, AdamW, clipGradNorm, Sgd, WeightEma, type Optimizer } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Steps `opt` on loss w² (gradient 2w) from w = 1 and returns w after each step. */
function run(opt: Optimizer, steps: number, shape: number[] = [1]): number[] {
  const w = tf.variable(tf.ones(shape));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const g = tf.mul(w, 2);
    opt.applyGradients([w], [g]);
    g.dispose();
    out.push(w.dataSync()[0]);
  }
  w.dispose();
  opt.dispose();
  return out;
}

test('SGD with momentum and Nesterov, hand-computed', () => {
  expect(run(new Sgd({ learningRate: 0.1 }), 2).map((v) => +v.toFixed(6))).toEqual([0.8, 0.64]);
  // b1 = 2, w = 0.8; g = 1.6, b2 = 0.9·2 + 1.6 = 3.4, w = 0.8 - 0.34
  expect(run(new Sgd({ learningRate: 0.1, momentum: 0.9 }), 2).map((v) => +v.toFixed(6))).toEqual([0.8, 0.46]);
  // step 1: update g + 0.9·b = 3.8; step 2: g = 1.24, b = 3.04, update 1.24 + 2.736
  expect(run(new Sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 2).map((v) => +v.toFixed(6))).toEqual([0.62, 0.2224]);
});

test('weight decay: SGD couples it, only on kernels (rank >= 2) by default', () => {
  const k = tf.variable(tf.ones([1, 1]));
  const b = tf.variable(tf.ones([1]));
  const opt = new Sgd({ learningRate: 0.1, weightDecay: 0.1 });
  opt.applyGradients([k, b], [tf.zeros([1, 1]), tf.zeros([1])]);
  expect(k.dataSync()[0]).toBeCloseTo(0.99, 6);
  expect(b.dataSync()[0]).toBe(1);
  tf.dispose([k, b]);
  opt.dispose();
});

test('Adam with bias correction, hand-computed', () => {
  const w = run(new Adam({ learningRate: 0.1 }), 2);
  expect(w[0]).toBeCloseTo(0.9, 6); // first step is lr·sign(g)
  expect(w[1]).toBeCloseTo(0.800412228194683, 5);
});

test('AdamW decouples the decay; Adam adds it to the gradient', () => {
  // AdamW: w·(1 - lr·wd) - lr·1 = 0.99 - 0.1
  expect(run(new AdamW({ learningRate: 0.1, weightDecay: 0.1 }), 1, [1, 1])[0]).toBeCloseTo(0.89, 6);
  // Adam's L2 term only changes the gradient, and the first step is still lr·sign(g).
  expect(run(new Adam({ learningRate: 0.1, weightDecay: 0.1 }), 1, [1, 1])[0]).toBeCloseTo(0.9, 6);
});

test('param groups scale the learning rate and the decay of chosen weights (a slower backbone)', () => {
  const head = tf.variable(tf.ones([1, 1]), true, 'head');
  const body = tf.variable(tf.ones([1, 1]), true, 'body');
  const groups = (v: tf.Variable) => (v === body ? { lrScale: 0.5, decayScale: 0 } : {});
  const sgd = new Sgd({ learningRate: 0.1, weightDecay: 0.1, paramGroups: groups });
  sgd.applyGradients([head, body], [tf.ones([1, 1]), tf.ones([1, 1])]);
  // head: 1 - 0.1·(1 + 0.1·1); body: half the rate, no decay: 1 - 0.05·1
  expect(head.dataSync()[0]).toBeCloseTo(0.89, 6);
  expect(body.dataSync()[0]).toBeCloseTo(0.95, 6);
  const adamw = new AdamW({ learningRate: 0.1, weightDecay: 0.1, paramGroups: groups });
  adamw.applyGradients([head, body], [tf.ones([1, 1]), tf.ones([1, 1])]);
  // AdamW's first step is lr·sign(g) after the decoupled decay w·(1 - lr·wd).
  expect(head.dataSync()[0]).toBeCloseTo(0.89 * 0.99 - 0.1, 6);
  expect(body.dataSync()[0]).toBeCloseTo(0.95 - 0.05, 6);
  tf.dispose([head, body]);
  sgd.dispose();
  adamw.dispose();
});

test('the schedule is read at the optimizer iteration, and state round-trips', async () => {
  const opt = new Sgd({ learningRate: (step) => [0.1, 0.2, 0.3][step] ?? 0, momentum: 0.5 });
  const w = tf.variable(tf.ones([2]));
  expect(opt.currentLr()).toBe(0.1);
  opt.applyGradients([w], [tf.ones([2])]);
  expect(opt.currentLr()).toBe(0.2);
  const state = await opt.getState();
  expect(state).toMatchObject({ kind: 'sgd', iterations: 1, slots: [{ index: 0, slot: 'momentum', shape: [2] }] });
  const copy = new Sgd({ learningRate: (step) => [0.1, 0.2, 0.3][step] ?? 0, momentum: 0.5 });
  copy.setState(state);
  const w2 = tf.variable(tf.tensor1d(w.dataSync()));
  opt.applyGradients([w], [tf.ones([2])]);
  copy.applyGradients([w2], [tf.ones([2])]);
  expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
  expect(() => new Adam().setState(state)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  tf.dispose([w, w2]);
  opt.dispose();
  copy.dispose();
});

test('clipGradNorm scales all gradients by maxNorm / global norm', () => {
  const a = tf.tensor1d([3, 4]);
  const b = tf.tensor1d([12]);
  const { grads, norm } = clipGradNorm([a, b], 6.5);
  expect(norm).toBeCloseTo(13, 5);
  expect(Array.from(grads[0].dataSync())).toEqual([expect.closeTo(1.5, 5), expect.closeTo(2, 5)]);
  expect(grads[1].dataSync()[0]).toBeCloseTo(6, 5);
  const unclipped = clipGradNorm([a, b], 100);
  expect(Array.from(unclipped.grads[0].dataSync())).toEqual([3, 4]);
  tf.dispose([a, b, ...grads, ...unclipped.grads]);
});

test('WeightEma averages with (ramped) decay', () => {
  const ema = new WeightEma({ decay: 0.5, warmup: false });
  const w = tf.scalar(0);
  ema.update([w]);
  const one = tf.scalar(1);
  ema.update([one]);
  expect(ema.weights()[0].dataSync()[0]).toBeCloseTo(0.5, 6);
  ema.update([one]);
  expect(ema.weights()[0].dataSync()[0]).toBeCloseTo(0.75, 6);
  const ramped = new WeightEma({ decay: 0.999 });
  ramped.update([w]);
  expect(ramped.currentDecay()).toBeCloseTo(2 / 11, 12);
  tf.dispose([w, one]);
  ema.dispose();
  ramped.dispose();
});

test('optimizers do not leak tensors', () => {
  const w = tf.variable(tf.ones([3, 3]));
  const opt = new AdamW({ learningRate: 0.01 });
  const g = tf.onesLike(w);
  opt.applyGradients([w], [g]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) opt.applyGradients([w], [g]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([w, g]);
  opt.dispose();
});
