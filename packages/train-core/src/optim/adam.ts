import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, type LrSchedule } from '../schedules/lr-schedule';
import { defaultDecayFilter, Optimizer, type DecayFilter, type ParamGroups } from './optimizer';

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** A fixed rate or a schedule of the step. Default 1e-3. */
  learningRate?: number | LrSchedule;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /**
   * Weight decay. Adam adds it to the gradient (L2, `g + wd·w`); AdamW applies it to the
   * weights directly (`w -= lr·wd·w`). Default 0 for Adam, 0.01 for AdamW.
   */
  weightDecay?: number;
  /** Which weights decay. Default: rank ≥ 2 (kernels). */
  decayFilter?: DecayFilter;
  /** Per-weight learning-rate and decay multipliers. Default: none (all 1). */
  paramGroups?: ParamGroups;
}

/**
 * Adam (Kingma & Ba) with bias correction:
 * `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`,
 * `w -= lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε)`.
 */
export class Adam extends Optimizer {
  readonly kind: string = 'adam';
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;
  protected readonly weightDecay: number;
  protected readonly decayFilter: DecayFilter;
  /** AdamW decouples the decay from the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(options: AdamOptions = {}, defaultDecay = 0) {
    super(options.learningRate ?? 1e-3, options.paramGroups);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultDecay;
    this.decayFilter = options.decayFilter ?? defaultDecayFilter;
    assertFinite(this.beta1, 'beta1', 0);
    assertFinite(this.beta2, 'beta2', 0);
    assertFinite(this.epsilon, 'epsilon', 0);
    assertFinite(this.weightDecay, 'weightDecay', 0);
  }

  config(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }

  protected update(w: tf.Variable, grad: tf.Tensor, index: number, lr: number): tf.Tensor {
    const wd = this.weightDecay * this.decayScale(w, index);
    const decay = wd > 0 && this.decayFilter(w, index);
    const g = decay && !this.decoupled ? tf.add(grad, tf.mul(w, wd)) : grad;
    const m = this.slot('m', index, w);
    const v = this.slot('v', index, w);
    const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(m1);
    v.assign(v1);
    const t = this.iterations;
    const mHat = tf.div(m1, 1 - this.beta1 ** t);
    const vHat = tf.div(v1, 1 - this.beta2 ** t);
    const step = tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon));
    const base = decay && this.decoupled ? tf.mul(w, 1 - lr * wd) : w;
    return tf.sub(base, tf.mul(step, lr));
  }
}
