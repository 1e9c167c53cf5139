import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/** Options of {@link kdLoss}. */
export interface KdLossOptions {
  /** Softmax temperature T. Default 4. */
  temperature?: number;
}

/**
 * Knowledge-distillation loss (Hinton et al.) between teacher logits (`yTrue`) and
 * student logits (`yPred`): `T² · KL(softmax(t/T) ‖ softmax(s/T))`, summed over classes
 * and averaged over the batch. The `T²` keeps gradient sizes independent of T.
 */
export function kdLoss(options: KdLossOptions = {}): LossFn {
  const T = options.temperature ?? 4;
  return (teacherLogits, studentLogits) =>
    tf.tidy(() => {
      const logPt = tf.logSoftmax(tf.div(teacherLogits, T));
      const logPs = tf.logSoftmax(tf.div(studentLogits, T));
      const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
      return tf.mul(tf.mean(kl), T * T) as tf.Scalar;
    });
}

/**
 * Feature-distillation loss: mean squared difference between teacher features
 * (`yTrue`) and student features (`yPred`) of the same shape (FitNets' hint loss).
 */
export function featureL2Loss(): LossFn {
  return (teacher, student) => tf.tidy(() => tf.mean(tf.squaredDifference(student, teacher)) as tf.Scalar);
}
