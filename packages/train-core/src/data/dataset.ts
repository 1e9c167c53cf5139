import type { SeededRng } from './seeded-rng';

/** One training example as flat floats. */
export interface Example {
  /** `prod(inputShape)` values, e.g. an HWC image. */
  input: Float32Array;
  /** A class index (the loader one-hot encodes it) or `prod(targetShape)` values. */
  target: number | Float32Array;
}

/**
 * A random-access dataset. `get` may be async (lazy image decoding); `rng` is a
 * generator seeded for this sample at this point of training, for augmentations.
 */
export interface Dataset {
  readonly length: number;
  /** Shape of one input, without the batch axis. */
  readonly inputShape: readonly number[];
  /** Shape of one target, without the batch axis: `[numClasses]` for class indices. */
  readonly targetShape: readonly number[];
  /** Number of classes when targets are class indices. */
  readonly numClasses?: number;
  get(index: number, rng: SeededRng): Example | Promise<Example>;
}

/** @internal */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
