import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { classIndices, readAndDispose, type Metric } from './metric';

/**
 * Fraction of samples whose target class is among the `k` highest scores. Key:
 * `top{k}`. Ties at the k-th score count as hits only through tfjs' `topk` order.
 */
export class TopKAccuracy implements Metric {
  readonly name: string;
  private hits = 0;
  private count = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`TopKAccuracy: k must be an integer >= 1, got ${k}`);
    this.name = `top${k}`;
  }

  reset(): void {
    this.hits = 0;
    this.count = 0;
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const { truth, numClasses } = classIndices(yTrue, yPred);
    const k = Math.min(this.k, numClasses);
    const idx = readAndDispose(
      tf.tidy(() => {
        const { values, indices } = tf.topk(tf.reshape(yPred, [-1, numClasses]), k);
        values.dispose();
        return indices;
      }),
    );
    for (let i = 0; i < truth.length; i++) {
      for (let j = 0; j < k; j++) {
        if (idx[i * k + j] === truth[i]) {
          this.hits++;
          break;
        }
      }
    }
    this.count += truth.length;
  }

  result(): Record<string, number> {
    return { [this.name]: this.count === 0 ? 0 : this.hits / this.count };
  }
}
