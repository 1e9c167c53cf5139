import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions {
  /** Focusing exponent γ. Default 2. */
  gamma?: number;
  /** Weight α of positives (1-α for negatives); `undefined`/negative = no weighting. Default 0.25. */
  alpha?: number;
  /** `yPred` holds logits. Default false: probabilities. */
  fromLogits?: boolean;
  /** Divide the sum by this instead of averaging (e.g. the number of positives). */
  normalizer?: number;
}

/**
 * Sigmoid focal loss (Lin et al., RetinaNet): `-α_t · (1 - p_t)^γ · log(p_t)` per element,
 * with `p_t = p` where `y = 1` and `1 - p` elsewhere; averaged over elements unless a
 * `normalizer` is given.
 */
export function focalLoss(options: FocalLossOptions = {}): LossFn {
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? 0.25;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const p = tf.clipByValue(options.fromLogits ? tf.sigmoid(yPred) : yPred, 1e-7, 1 - 1e-7);
      const pt = tf.add(tf.mul(yTrue, p), tf.mul(tf.sub(1, yTrue), tf.sub(1, p)));
      let loss = tf.mul(tf.neg(tf.pow(tf.sub(1, pt), gamma)), tf.log(pt));
      if (alpha >= 0) loss = tf.mul(loss, tf.add(tf.mul(yTrue, alpha), tf.mul(tf.sub(1, yTrue), 1 - alpha)));
      return (options.normalizer !== undefined ? tf.div(tf.sum(loss), options.normalizer) : tf.mean(loss)) as tf.Scalar;
    });
}
