import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link binaryCrossEntropy}. */
export interface BinaryCrossEntropyOptions {
  /** `yPred` holds logits (a stable sigmoid form is used). Default false: probabilities. */
  fromLogits?: boolean;
}

/**
 * Element-wise binary cross-entropy `-(y·log p + (1-y)·log(1-p))`, averaged over all
 * elements. From logits it uses `max(x,0) - x·y + log(1 + e^-|x|)`, which never overflows.
 */
export function binaryCrossEntropy(options: BinaryCrossEntropyOptions = {}): LossFn {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      if (options.fromLogits) {
        const x = yPred;
        return tf.mean(tf.add(tf.sub(tf.relu(x), tf.mul(x, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))) as tf.Scalar;
      }
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      return tf.mean(tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    });
}
