import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import { DataLoader } from '../data/data-loader';
import type { Dataset } from '../data/dataset';

/** Accuracy of many models on one fixed set of images. */
export interface AccuracyEvaluator {
  /** Images evaluated. */
  readonly count: number;
  /** Top-1 accuracy of `model` (inference mode) on the images. */
  evaluate(model: tfl.LayersModel): Promise<number>;
  /** Frees the cached input batches. */
  dispose(): void;
}

/**
 * Loads the first `limit` examples of `data` (no shuffle) into input batches once, so a
 * sensitivity sweep evaluating dozens of pruned models decodes and augments nothing again.
 * Targets are one-hot (or class indices); accuracy compares arg-maxes.
 */
export async function createAccuracyEvaluator(data: Dataset, options: { batchSize?: number; limit?: number } = {}): Promise<AccuracyEvaluator> {
  const batchSize = options.batchSize ?? 64;
  const limit = Math.min(data.length, options.limit ?? data.length);
  if (limit < 1) throw new InvalidArgumentError('the evaluation set is empty');
  const loader = new DataLoader(data, { batchSize, shuffle: false });
  const xs: tf.Tensor[] = [];
  const labels: number[] = [];
  let seen = 0;
  for await (const batch of loader.epoch(0)) {
    const take = Math.min(batch.size, limit - seen);
    const y = batch.y;
    const classes = y.rank === 1 ? y : tf.argMax(y, -1);
    const truth = (await classes.data()) as Int32Array | Float32Array;
    if (classes !== y) classes.dispose();
    xs.push(take === batch.size ? batch.x : tf.tidy(() => tf.slice(batch.x, 0, take)));
    if (take !== batch.size) batch.x.dispose();
    y.dispose();
    for (let i = 0; i < take; i++) labels.push(Number(truth[i]));
    seen += take;
    if (seen >= limit) break;
  }
  return {
    count: seen,
    async evaluate(model: tfl.LayersModel): Promise<number> {
      let correct = 0;
      let offset = 0;
      for (const x of xs) {
        const pred = tf.tidy(() => tf.argMax(model.apply(x, { training: false }) as tf.Tensor, -1));
        const p = (await pred.data()) as Int32Array;
        pred.dispose();
        for (let i = 0; i < p.length; i++) if (p[i] === labels[offset + i]) correct++;
        offset += p.length;
      }
      return correct / seen;
    },
    dispose(): void {
      tf.dispose(xs);
    },
  };
}
