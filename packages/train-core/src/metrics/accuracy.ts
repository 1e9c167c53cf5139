import type * as tf from '@tensorflow/tfjs-core';
import { classIndices, type Metric } from './metric';

/** Fraction of samples whose arg-max class equals the target class. Key: `acc`. */
export class Accuracy implements Metric {
  readonly name = 'acc';
  private correct = 0;
  private count = 0;

  reset(): void {
    this.correct = 0;
    this.count = 0;
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const { truth, pred } = classIndices(yTrue, yPred);
    for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) this.correct++;
    this.count += truth.length;
  }

  result(): Record<string, number> {
    return { [this.name]: this.count === 0 ? 0 : this.correct / this.count };
  }
}
