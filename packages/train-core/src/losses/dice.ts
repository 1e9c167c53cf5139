import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link diceLoss}. */
export interface DiceLossOptions {
  /** Added to numerator and denominator so empty masks give 0 loss. Default 1. */
  smooth?: number;
  /** `yPred` holds logits (sigmoid applied). Default false: probabilities. */
  fromLogits?: boolean;
}

/**
 * Soft Dice loss for masks: `1 - (2·Σ p·y + s) / (Σ p + Σ y + s)`, computed per sample
 * (over all non-batch axes) and averaged over the batch.
 */
export function diceLoss(options: DiceLossOptions = {}): LossFn {
  const smooth = options.smooth ?? 1;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const n = yPred.shape[0];
      const p = tf.reshape(options.fromLogits ? tf.sigmoid(yPred) : yPred, [n, -1]);
      const y = tf.reshape(yTrue, [n, -1]);
      const inter = tf.sum(tf.mul(p, y), 1);
      const denom = tf.add(tf.add(tf.sum(p, 1), tf.sum(y, 1)), smooth);
      return tf.mean(tf.sub(1, tf.div(tf.add(tf.mul(inter, 2), smooth), denom))) as tf.Scalar;
    });
}
