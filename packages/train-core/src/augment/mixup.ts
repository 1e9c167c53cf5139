import type { SeededRng } from '../data/seeded-rng';

/**
 * One batch as flat arrays: `x` holds `size` inputs of `inputSize` values, `y` holds
 * `size` targets of `targetSize` values (one-hot or soft for classification).
 */
export interface BatchData {
  x: Float32Array;
  y: Float32Array;
  size: number;
  inputSize: number;
  targetSize: number;
}

/** A transform of whole batches (mixup, cutmix), run before the batch becomes tensors. */
export type BatchTransform = (batch: BatchData, rng: SeededRng) => BatchData;

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** Beta(α, α) concentration of the mixing weight. Default 0.2. */
  alpha?: number;
  /** Probability of mixing a batch at all. Default 1. */
  p?: number;
}

/**
 * mixup (Zhang et al.): one λ ~ Beta(α, α) per batch; each sample is mixed with the
 * sample of a random permutation, `x = λ·x_i + (1-λ)·x_j`, targets alike (so the loss
 * needs soft targets, which cross-entropy here accepts).
 */
export function mixup(options: MixupOptions = {}): BatchTransform {
  const alpha = options.alpha ?? 0.2;
  const p = options.p ?? 1;
  return (batch, rng) => {
    if (!rng.chance(p)) return batch;
    const lam = rng.beta(alpha);
    const perm = rng.permutation(batch.size);
    const mix = (src: Float32Array, len: number): Float32Array => {
      const out = new Float32Array(src.length);
      for (let i = 0; i < batch.size; i++) {
        const a = i * len;
        const b = perm[i] * len;
        for (let k = 0; k < len; k++) out[a + k] = lam * src[a + k] + (1 - lam) * src[b + k];
      }
      return out;
    };
    return { ...batch, x: mix(batch.x, batch.inputSize), y: mix(batch.y, batch.targetSize) };
  };
}
