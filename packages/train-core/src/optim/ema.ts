import * as tf from '@tensorflow/tfjs-core';
import { assertFinite } from '../schedules/lr-schedule';

/** Options of {@link WeightEma}. */
export interface EmaOptions {
  /** Decay of the average. Default 0.999. */
  decay?: number;
  /**
   * Ramp the decay up as `min(decay, (1 + n) / (10 + n))` over the first updates (n =
   * updates so far), as TensorFlow's `ExponentialMovingAverage(num_updates)`, so early
   * averages are not dominated by the random initial weights. Default true.
   */
  warmup?: boolean;
}

/**
 * An exponential moving average of model weights (`shadow = d·shadow + (1-d)·w`), used
 * for evaluation and export: it is usually more accurate than the last weights.
 * Covers every weight passed in, including batch-norm moving statistics.
 */
export class WeightEma {
  readonly decay: number;
  readonly warmup: boolean;
  updates = 0;
  private shadow: tf.Variable[] = [];

  constructor(options: EmaOptions = {}) {
    this.decay = options.decay ?? 0.999;
    this.warmup = options.warmup ?? true;
    assertFinite(this.decay, 'ema decay', 0);
  }

  /** The decay used at the next update. */
  currentDecay(): number {
    return this.warmup ? Math.min(this.decay, (1 + this.updates) / (10 + this.updates)) : this.decay;
  }

  /** Folds the current `weights` into the average (first call: copies them). */
  update(weights: tf.Tensor[]): void {
    if (this.shadow.length === 0) {
      this.shadow = weights.map((w) => tf.variable(tf.clone(w), false));
      this.updates = 1;
      return;
    }
    const d = this.currentDecay();
    tf.tidy(() => {
      weights.forEach((w, i) => this.shadow[i].assign(tf.add(tf.mul(this.shadow[i], d), tf.mul(w, 1 - d))));
    });
    this.updates++;
  }

  /** The averaged weights (owned by the EMA; do not dispose). */
  weights(): tf.Tensor[] {
    return this.shadow;
  }

  /** The averaged values, for checkpoints. */
  async getState(): Promise<{ updates: number; values: Float32Array[]; shapes: number[][] }> {
    const values = await Promise.all(this.shadow.map((v) => v.data() as Promise<Float32Array>));
    return { updates: this.updates, values, shapes: this.shadow.map((v) => v.shape.slice()) };
  }

  /** Restores a state from {@link getState}. */
  setState(state: { updates: number; values: Float32Array[]; shapes: number[][] }): void {
    this.dispose();
    this.updates = state.updates;
    this.shadow = state.values.map((v, i) => tf.variable(tf.tensor(v, state.shapes[i], 'float32'), false));
  }

  /** Frees the averaged weights. */
  dispose(): void {
    for (const v of this.shadow) v.dispose();
    this.shadow = [];
  }
}
