import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /**
   * Label smoothing ε: targets become `(1-ε)·y + ε/C` (Szegedy et al.). Default 0.
   */
  labelSmoothing?: number;
  /** `yPred` holds logits (softmax is applied here, stably). Default false: probabilities. */
  fromLogits?: boolean;
}

/**
 * Categorical cross-entropy `-Σ y·log p` over the last axis, averaged over the rest.
 * `yTrue` is one-hot (or soft, e.g. after mixup), shape of `yPred`. Probabilities are
 * clipped to [1e-7, 1] so a confident wrong softmax gives a large, finite loss.
 */
export function crossEntropy(options: CrossEntropyOptions = {}): LossFn {
  const eps = options.labelSmoothing ?? 0;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const c = yPred.shape[yPred.rank - 1];
      const target = eps > 0 ? tf.add(tf.mul(yTrue, 1 - eps), eps / c) : yTrue;
      const logP = options.fromLogits ? tf.logSoftmax(yPred) : tf.log(tf.clipByValue(yPred, 1e-7, 1));
      return tf.mean(tf.neg(tf.sum(tf.mul(target, logP), -1))) as tf.Scalar;
    });
}
