import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { crossEntropy } from './cross-entropy';
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

/** Options of {@link distillationLoss}. */
export interface DistillationLossOptions {
  /** Classes C of the student. */
  numClasses: number;
  /** Softmax temperature T of the soft targets. Default 4. */
  temperature?: number;
  /** Weight A of the distillation term; the cross-entropy with the hard labels gets `1 − A`. Default 0.7. */
  alpha?: number;
  /**
   * The student's outputs (`yPred`) are logits. Default false: probabilities from a softmax
   * head, as `train classify`'s models end; their log then serves as the logits (exact up to
   * a constant per row, which softmax ignores).
   */
  fromLogits?: boolean;
}

// Floor of a probability before its log on the distillation side. The tempered softmax of
// log p is p^(1/T)/Σ: at 1e-30 a clipped class weighs (1e-30)^(1/4) ≈ 3e-8 at T = 4, nothing;
// the 1e-7 of crossEntropy would leave 0.018 per class and flatten the soft targets.
const LOG_FLOOR = 1e-30;

/**
 * Hinton et al.'s distillation loss for a classifier whose batches carry the teacher:
 * `yTrue` rows are `[hard targets (C) | teacher logits (C)]` (e.g. one-hot labels then the
 * log of the teacher's probabilities), and the loss is
 * `A·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − A)·CE(y, softmax(s))`, averaged over the batch.
 * The `T²` keeps the soft term's gradients the size of the hard term's for any T.
 * Rows of only C values (no teacher: evaluation on the validation split) give the plain
 * cross-entropy, so validation losses compare with runs trained without a teacher.
 * The teacher part of `yTrue` is data: no gradient reaches it, only the student's outputs.
 *
 * @throws InvalidArgumentError for a bad option, or when the widths of `yTrue`/`yPred` are not `2C`/`C` (or `C`/`C`).
 */
export function distillationLoss(options: DistillationLossOptions): LossFn {
  const C = options.numClasses;
  const T = options.temperature ?? 4;
  const A = options.alpha ?? 0.7;
  if (!(Number.isInteger(C) && C >= 1)) throw new InvalidArgumentError(`distillationLoss: numClasses must be an integer >= 1, got ${C}`);
  if (!(Number.isFinite(T) && T > 0)) throw new InvalidArgumentError(`distillationLoss: temperature must be > 0, got ${T}`);
  if (!(A >= 0 && A <= 1)) throw new InvalidArgumentError(`distillationLoss: alpha must be in [0, 1], got ${A}`);
  const ce = crossEntropy({ fromLogits: options.fromLogits });
  return (yTrue, yPred) => {
    const width = yTrue.shape[yTrue.rank - 1];
    if (yPred.shape[yPred.rank - 1] !== C) {
      throw new InvalidArgumentError(`distillationLoss: predictions have ${yPred.shape[yPred.rank - 1]} classes, expected ${C}`);
    }
    if (width === C) return ce(yTrue, yPred);
    if (width !== 2 * C) {
      throw new InvalidArgumentError(`distillationLoss: targets of width ${width} are neither ${C} (labels) nor ${2 * C} (labels + teacher logits)`);
    }
    return tf.tidy(() => {
      const [hard, teacher] = tf.split(yTrue, 2, -1) as [tf.Tensor, tf.Tensor];
      const studentLogits = options.fromLogits ? yPred : tf.log(tf.clipByValue(yPred, LOG_FLOOR, 1));
      const logQt = tf.logSoftmax(tf.div(teacher, T));
      const logQs = tf.logSoftmax(tf.div(studentLogits, T));
      const kl = tf.mean(tf.sum(tf.mul(tf.exp(logQt), tf.sub(logQt, logQs)), -1));
      return tf.add(tf.mul(kl, A * T * T), tf.mul(ce(hard, yPred), 1 - A)) as tf.Scalar;
    });
  };
}
