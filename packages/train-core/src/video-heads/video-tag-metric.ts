/** The YouTube-8M metrics as a streaming Trainer metric (keys `gap`, `hit1`, `perr`, `map`). */
import * as tf from '@tensorflow/tfjs-core';
import type { Metric } from '../metrics/metric';
import { yt8mMetrics } from './yt8m-metrics';

/**
 * Collects every video's scores and labels, then computes GAP@k, Hit@1, PERR and mAP (they
 * rank across videos, so they cannot be averaged per batch). `fromLogits` (default true):
 * predictions are logits and get a sigmoid first (it does not change rankings, but keeps
 * PERR's "score > 0" test meaningful).
 */
export class VideoTagMetrics implements Metric {
  readonly name = 'gap';
  private preds: Float32Array[] = [];
  private truth: Float32Array[] = [];

  constructor(private readonly options: { topK?: number; fromLogits?: boolean } = {}) {}

  reset(): void {
    this.preds = [];
    this.truth = [];
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const [n, c] = yPred.shape;
    let p: Float32Array;
    if (this.options.fromLogits === false) p = yPred.dataSync() as Float32Array;
    else {
      const s = tf.sigmoid(yPred);
      p = s.dataSync() as Float32Array;
      s.dispose();
    }
    const y = yTrue.dataSync() as Float32Array;
    for (let i = 0; i < n; i++) {
      this.preds.push(p.slice(i * c, (i + 1) * c));
      this.truth.push(y.slice(i * c, (i + 1) * c));
    }
  }

  result(): Record<string, number> {
    const r = yt8mMetrics(this.preds, this.truth, this.options.topK ?? 20);
    return { gap: r.gap, hit1: r.hit1, perr: r.perr, map: r.map };
  }
}
