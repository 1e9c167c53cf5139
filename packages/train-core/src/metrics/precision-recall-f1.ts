import type * as tf from '@tensorflow/tfjs-core';
import { ConfusionMatrix } from './confusion-matrix';
import type { Metric } from './metric';

/**
 * Macro-averaged precision, recall and F1 over the classes that occur (as target or
 * prediction); a class never predicted has precision 0. Keys: `precision`, `recall`, `f1`
 * (F1 is the mean of per-class F1s, as scikit-learn's `f1_score(average='macro')`).
 */
export class PrecisionRecallF1 implements Metric {
  readonly name = 'f1';
  private readonly cm: ConfusionMatrix;

  constructor(numClasses?: number) {
    this.cm = new ConfusionMatrix(numClasses);
  }

  reset(): void {
    this.cm.reset();
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    this.cm.update(yTrue, yPred);
  }

  /** Per-class precision, recall and F1 (NaN-free: 0 when undefined). */
  perClass(): { precision: number[]; recall: number[]; f1: number[]; present: boolean[] } {
    const m = this.cm.matrix();
    const n = m.length;
    const precision: number[] = [];
    const recall: number[] = [];
    const f1: number[] = [];
    const present: boolean[] = [];
    for (let c = 0; c < n; c++) {
      const tp = m[c][c];
      let predicted = 0;
      let actual = 0;
      for (let k = 0; k < n; k++) {
        predicted += m[k][c];
        actual += m[c][k];
      }
      const p = predicted === 0 ? 0 : tp / predicted;
      const r = actual === 0 ? 0 : tp / actual;
      precision.push(p);
      recall.push(r);
      f1.push(p + r === 0 ? 0 : (2 * p * r) / (p + r));
      present.push(predicted + actual > 0);
    }
    return { precision, recall, f1, present };
  }

  result(): Record<string, number> {
    const { precision, recall, f1, present } = this.perClass();
    const mean = (a: number[]): number => {
      const kept = a.filter((_, i) => present[i]);
      return kept.length === 0 ? 0 : kept.reduce((s, v) => s + v, 0) / kept.length;
    };
    return { precision: mean(precision), recall: mean(recall), f1: mean(f1) };
  }
}
