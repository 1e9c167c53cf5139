import type * as tf from '@tensorflow/tfjs-core';
import { classIndices, type Metric } from './metric';

/**
 * A streaming confusion matrix: `matrix[t][p]` counts samples (or pixels) of true class
 * `t` predicted as `p`. The other classification metrics are read off it. Result key:
 * `overallAcc` (trace / total).
 */
export class ConfusionMatrix implements Metric {
  readonly name = 'overallAcc';
  private counts: number[][] = [];

  /** `numClasses` may be left out; it is then taken from the first predictions. */
  constructor(private numClasses?: number) {
    if (numClasses !== undefined) this.reset();
  }

  reset(): void {
    this.counts = this.numClasses === undefined ? [] : Array.from({ length: this.numClasses }, () => new Array<number>(this.numClasses!).fill(0));
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const { truth, pred, numClasses } = classIndices(yTrue, yPred);
    this.addIndices(truth, pred, numClasses);
  }

  /** Adds pairs of class indices directly. */
  addIndices(truth: ArrayLike<number>, pred: ArrayLike<number>, numClasses: number): void {
    if (this.numClasses === undefined) {
      this.numClasses = numClasses;
      this.reset();
    }
    const n = this.numClasses;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      const p = pred[i];
      // Targets outside [0, n) (e.g. an ignore label 255) are skipped, like PaddleSeg.
      if (t >= 0 && t < n && p >= 0 && p < n) this.counts[t][p]++;
    }
  }

  /** A copy of the counts, rows = true class, columns = predicted class. */
  matrix(): number[][] {
    return this.counts.map((r) => r.slice());
  }

  result(): Record<string, number> {
    let diag = 0;
    let total = 0;
    this.counts.forEach((row, t) => {
      diag += row[t];
      for (const c of row) total += c;
    });
    return { [this.name]: total === 0 ? 0 : diag / total };
  }
}
