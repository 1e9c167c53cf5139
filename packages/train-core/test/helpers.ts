import * as tf from '@tensorflow/tfjs-core';
import { SeededRng } from '../src/data/seeded-rng';

/** Seeded uniform [0, 1) draws from the package's own mulberry32 (SeededRng). */
export function rng(seed: number): () => number {
  const r = new SeededRng(seed);
  return () => r.next();
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function randData(r: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/**
 * max |a-b| / max |b|: the relative error of `a` against reference `b`. `floor` bounds
 * the scale from below, for references that are float noise around zero.
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Runs `fn` with `backend` current and returns its output's values and shape. */
export async function onBackend(
  backend: string,
  fn: () => tf.Tensor,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = fn();
  const values = (await out.data()) as Float32Array;
  const shape = out.shape.slice();
  out.dispose();
  // Kernels must not leak: every intermediate tensor is gone after the op.
  expect(tf.memory().numTensors).toBe(before);
  return { values, shape };
}
