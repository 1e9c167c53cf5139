import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options {
  /** Where the quadratic part meets the linear one. Default 1. */
  beta?: number;
}

/**
 * Smooth L1 (Fast R-CNN; PyTorch's `smooth_l1_loss`): `0.5·d²/β` for `|d| < β`, else
 * `|d| - 0.5·β`, with `d = pred - target`, averaged over all elements.
 */
export function smoothL1Loss(options: SmoothL1Options = {}): LossFn {
  const beta = options.beta ?? 1;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const d = tf.abs(tf.sub(yPred, yTrue));
      const quad = tf.div(tf.mul(tf.square(d), 0.5), beta);
      const lin = tf.sub(d, 0.5 * beta);
      return tf.mean(tf.where(tf.less(d, beta), quad, lin)) as tf.Scalar;
    });
}
