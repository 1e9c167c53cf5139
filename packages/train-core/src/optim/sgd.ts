import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, type LrSchedule } from '../schedules/lr-schedule';
import { defaultDecayFilter, Optimizer, type DecayFilter, type ParamGroups } from './optimizer';

/** Options of {@link Sgd}. */
export interface SgdOptions {
  /** A fixed rate or a schedule of the step. Default 0.01. */
  learningRate?: number | LrSchedule;
  /** Momentum factor. Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient (`g + wd·w`). Default 0. */
  weightDecay?: number;
  /** Which weights decay. Default: rank ≥ 2 (kernels). */
  decayFilter?: DecayFilter;
  /** Per-weight learning-rate and decay multipliers. Default: none (all 1). */
  paramGroups?: ParamGroups;
}

/**
 * SGD with momentum, Nesterov and coupled (L2) weight decay, as PyTorch's `SGD` with
 * dampening 0: `g' = g + wd·w`, `b = μ·b + g'`, `w -= lr · (nesterov ? g' + μ·b : b)`.
 */
export class Sgd extends Optimizer {
  readonly kind = 'sgd';
  private readonly momentum: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;
  private readonly decayFilter: DecayFilter;

  constructor(options: SgdOptions = {}) {
    super(options.learningRate ?? 0.01, options.paramGroups);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    this.decayFilter = options.decayFilter ?? defaultDecayFilter;
    assertFinite(this.momentum, 'momentum', 0);
    assertFinite(this.weightDecay, 'weightDecay', 0);
  }

  config(): Record<string, number | boolean> {
    return { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected update(w: tf.Variable, grad: tf.Tensor, index: number, lr: number): tf.Tensor {
    let g = grad;
    const wd = this.weightDecay * this.decayScale(w, index);
    if (wd > 0 && this.decayFilter(w, index)) g = tf.add(g, tf.mul(w, wd));
    if (this.momentum > 0) {
      const buf = this.slot('momentum', index, w);
      const b = tf.add(tf.mul(buf, this.momentum), g);
      buf.assign(b);
      g = this.nesterov ? tf.add(g, tf.mul(b, this.momentum)) : b;
    }
    return tf.sub(w, tf.mul(g, lr));
  }
}
