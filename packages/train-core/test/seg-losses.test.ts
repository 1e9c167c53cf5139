import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src';
import { lovaszSoftmax, segCrossEntropy, segDice, segLoss } from '../src/seg/seg-losses';
import { rng } from './helpers';

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

function randomCase(seed: number, n = 2, h = 6, w = 5, c = 3): { labels: Float32Array; logits: Float32Array; shape: [number, number, number, number] } {
  const r = rng(seed);
  const labels = new Float32Array(n * h * w).map(() => {
    const v = r();
    return v < 0.15 ? 255 : Math.floor(r() * c);
  });
  const logits = new Float32Array(n * h * w * c).map(() => r() * 4 - 2);
  return { labels, logits, shape: [n, h, w, c] };
}

function value(loss: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar, labels: Float32Array, logits: Float32Array, shape: [number, number, number, number]): number {
  return tf.tidy(() => loss(tf.tensor3d(labels, shape.slice(0, 3) as [number, number, number]), tf.tensor4d(logits, shape)).dataSync()[0]!);
}

describe('segmentation losses', () => {
  it('cross-entropy is the mean softmax CE over non-ignored pixels', () => {
    const { labels, logits, shape } = randomCase(1);
    const c = shape[3];
    let sum = 0;
    let count = 0;
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] === 255) continue;
      const row = Array.from(logits.subarray(p * c, (p + 1) * c));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      sum += lse - row[labels[p]!]!;
      count++;
    }
    expect(value(segCrossEntropy(), labels, logits, shape)).toBeCloseTo(sum / count, 5);
  });

  it('ignored pixels (255) change no loss, whatever their logits', () => {
    const { labels, logits, shape } = randomCase(2);
    const changed = Float32Array.from(logits);
    for (let p = 0; p < labels.length; p++) if (labels[p] === 255) for (let k = 0; k < shape[3]; k++) changed[p * shape[3] + k] = 50 * (k + 1);
    for (const name of ['ce', 'dice', 'lovasz'] as const) {
      expect(value(segLoss(name), labels, changed, shape)).toBeCloseTo(value(segLoss(name), labels, logits, shape), 5);
    }
  });

  it('OHEM averages over the hard pixels only, so it is at least the plain CE', () => {
    const { labels, logits, shape } = randomCase(3, 2, 16, 16);
    const plain = value(segCrossEntropy(), labels, logits, shape);
    const ohem = value(segCrossEntropy({ ohem: { thresh: 0.3, minKept: 20 } }), labels, logits, shape);
    expect(ohem).toBeGreaterThan(plain);
    // With minKept >= the valid pixel count every pixel is kept: plain CE.
    expect(value(segCrossEntropy({ ohem: { thresh: 0.3, minKept: 100000 } }), labels, logits, shape)).toBeCloseTo(plain, 5);
  });

  it('Dice and Lovász are ~0 for confident correct logits and equal 1 − IoU (Lovász) for confident hard predictions', () => {
    const { labels, shape } = randomCase(4, 2, 8, 8);
    const c = shape[3];
    const perfect = new Float32Array(labels.length * c);
    for (let p = 0; p < labels.length; p++) perfect[p * c + (labels[p] === 255 ? 0 : labels[p]!)] = 30;
    expect(value(segDice({ smooth: 1e-6 }), labels, perfect, shape)).toBeLessThan(1e-4);
    expect(value(lovaszSoftmax(), labels, perfect, shape)).toBeLessThan(1e-4);
    // Hard predictions: class (label + 1) % c on a third of the pixels.
    const pred = new Float32Array(labels.length * c);
    const predClass = new Int32Array(labels.length);
    for (let p = 0; p < labels.length; p++) {
      const t = labels[p] === 255 ? 0 : labels[p]!;
      predClass[p] = p % 3 === 0 ? (t + 1) % c : t;
      pred[p * c + predClass[p]!] = 30;
    }
    let jaccardLoss = 0;
    let present = 0;
    for (let k = 0; k < c; k++) {
      let inter = 0;
      let union = 0;
      let any = false;
      for (let p = 0; p < labels.length; p++) {
        if (labels[p] === 255) continue;
        const t = labels[p] === k;
        const q = predClass[p] === k;
        if (t) any = true;
        if (t && q) inter++;
        if (t || q) union++;
      }
      if (!any) continue;
      jaccardLoss += 1 - inter / union;
      present++;
    }
    expect(value(lovaszSoftmax(), labels, pred, shape)).toBeCloseTo(jaccardLoss / present, 4);
  });

  it('every loss gives finite, non-zero gradients w.r.t. the logits', () => {
    const { labels, logits, shape } = randomCase(5);
    for (const name of ['ce', 'ce+dice', 'ce+lovasz'] as const) {
      const y = tf.tensor3d(labels, shape.slice(0, 3) as [number, number, number]);
      const x = tf.tensor4d(logits, shape);
      const g = tf.grad((z: tf.Tensor) => segLoss(name)(y, z))(x);
      const norm = tf.sum(tf.abs(g)).dataSync()[0]!;
      expect(Number.isFinite(norm)).toBe(true);
      expect(norm).toBeGreaterThan(0);
      tf.dispose([x, y, g]);
    }
  });
});
