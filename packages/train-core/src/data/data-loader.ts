import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import type { BatchData, BatchTransform } from '../augment/mixup';
import { sizeOf, type Dataset } from './dataset';
import { mixSeed, SeededRng } from './seeded-rng';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  batchSize: number;
  /** Shuffle every epoch (seeded by the epoch seed). Default true. */
  shuffle?: boolean;
  /** Drop the last incomplete batch. Default false. */
  dropLast?: boolean;
  /** Batch-level augmentation such as mixup. */
  batchTransform?: BatchTransform;
}

/** A batch as tensors; the receiver disposes `x` and `y`. */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
  size: number;
  /** Index of the batch within its epoch. */
  index: number;
}

/**
 * Shuffles, batches and prefetches a {@link Dataset}. Each epoch's order and each
 * sample's augmentation derive only from `(epochSeed, position)`, so a run resumed in
 * the middle of an epoch skips the batches already done without loading them and then
 * sees exactly the batches the uninterrupted run would have seen.
 */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;

  constructor(
    readonly dataset: Dataset,
    private readonly options: DataLoaderOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new InvalidArgumentError(`batchSize must be an integer >= 1, got ${options.batchSize}`);
    }
    if (dataset.length === 0) throw new InvalidArgumentError('the dataset is empty');
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    const n = this.dataset.length / this.batchSize;
    return Math.max(1, this.dropLast ? Math.floor(n) : Math.ceil(n));
  }

  /** The sample order of an epoch. */
  order(epochSeed: number): number[] {
    const n = this.dataset.length;
    return this.shuffle ? new SeededRng(epochSeed).permutation(n) : Array.from({ length: n }, (_, i) => i);
  }

  /**
   * Yields the batches of one epoch from batch `startBatch` on. While the consumer works
   * on batch k, batch k+1 is already loading (async dataset reads such as image decoding
   * run on libuv's pool meanwhile); tensors are made only when a batch is handed out, so
   * breaking out of the loop leaks nothing.
   */
  async *epoch(epochSeed: number, startBatch = 0): AsyncGenerator<Batch> {
    const order = this.order(epochSeed);
    const count = this.batchesPerEpoch;
    let next = startBatch < count ? this.load(order, epochSeed, startBatch) : undefined;
    for (let b = startBatch; b < count; b++) {
      const data = await next!;
      next = b + 1 < count ? this.load(order, epochSeed, b + 1) : undefined;
      // A rejected prefetch must not become an unhandled rejection if the consumer stops.
      next?.catch(() => undefined);
      yield {
        x: tf.tensor(data.x, [data.size, ...this.dataset.inputShape], 'float32'),
        y: tf.tensor(data.y, [data.size, ...this.dataset.targetShape], 'float32'),
        size: data.size,
        index: b,
      };
    }
  }

  /** Loads batch `b` of an epoch as flat arrays. */
  async load(order: number[], epochSeed: number, b: number): Promise<BatchData> {
    const ds = this.dataset;
    const start = b * this.batchSize;
    const end = Math.min(order.length, start + this.batchSize);
    const inputSize = sizeOf(ds.inputShape);
    const targetSize = sizeOf(ds.targetShape);
    const size = end - start;
    const examples = await Promise.all(
      order.slice(start, end).map((idx, k) => ds.get(idx, new SeededRng(mixSeed(epochSeed, start + k)))),
    );
    const x = new Float32Array(size * inputSize);
    const y = new Float32Array(size * targetSize);
    examples.forEach((ex, k) => {
      if (ex.input.length !== inputSize) {
        throw new InvalidArgumentError(`dataset sample ${order[start + k]} has ${ex.input.length} input values, expected ${inputSize}`);
      }
      x.set(ex.input, k * inputSize);
      if (typeof ex.target === 'number') {
        if (!(ex.target >= 0 && ex.target < targetSize)) {
          throw new InvalidArgumentError(`dataset sample ${order[start + k]} has class ${ex.target}, outside [0, ${targetSize})`);
        }
        y[k * targetSize + ex.target] = 1;
      } else {
        y.set(ex.target, k * targetSize);
      }
    });
    const batch: BatchData = { x, y, size, inputSize, targetSize };
    const t = this.options.batchTransform;
    return t ? t(batch, new SeededRng(mixSeed(epochSeed, 0x6d697875, b))) : batch;
  }
}
