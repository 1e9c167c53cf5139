import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link balancedL1Loss}. Defaults are Libra R-CNN's. */
export interface BalancedL1Options {
  /** Default 0.5. */
  alpha?: number;
  /** Default 1.5. */
  gamma?: number;
  /** Default 1. */
  beta?: number;
}

/**
 * Balanced L1 loss (Pang et al., Libra R-CNN, eq. 8), with `x = |pred - target|` and
 * `b` fixed by `α·ln(b + 1) = γ` so both pieces meet smoothly at `β`:
 * `α/b·(b·x + 1)·ln(b·x/β + 1) - α·x` for `x < β`, else `γ·x + γ/b - α·β`.
 * Averaged over all elements.
 */
export function balancedL1Loss(options: BalancedL1Options = {}): LossFn {
  const alpha = options.alpha ?? 0.5;
  const gamma = options.gamma ?? 1.5;
  const beta = options.beta ?? 1;
  const b = Math.exp(gamma / alpha) - 1;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const x = tf.abs(tf.sub(yPred, yTrue));
      const inner = tf.sub(tf.mul(tf.mul(tf.add(tf.mul(x, b), 1), alpha / b), tf.log1p(tf.mul(x, b / beta))), tf.mul(x, alpha));
      const outer = tf.add(tf.mul(x, gamma), gamma / b - alpha * beta);
      return tf.mean(tf.where(tf.less(x, beta), inner, outer)) as tf.Scalar;
    });
}
