import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';

/**
 * A streaming metric: `update` with each batch, `result` at the end, `reset` between
 * runs. Results are named numbers, so the Trainer can log them and pick a best one.
 */
export interface Metric {
  /** Name of the metric, also the prefix-free key of its main value in `result()`. */
  readonly name: string;
  reset(): void;
  /** `yTrue`: class indices (rank of `yPred` minus 1) or one-hot/soft targets (same shape). */
  update(yTrue: tf.Tensor, yPred: tf.Tensor): void;
  result(): Record<string, number>;
}

/**
 * Class indices of targets and predictions, flattened over every axis but the class
 * axis (the last). Targets may be indices or one-hot/soft (then their argmax counts).
 * @internal
 */
export function classIndices(yTrue: tf.Tensor, yPred: tf.Tensor): { truth: Int32Array; pred: Int32Array; numClasses: number } {
  const numClasses = yPred.shape[yPred.rank - 1];
  let truth: Int32Array;
  if (yTrue.rank === yPred.rank) {
    truth = readAndDispose(tf.argMax(yTrue, -1)) as Int32Array;
  } else if (yTrue.rank === yPred.rank - 1) {
    truth = Int32Array.from(yTrue.dataSync());
  } else {
    throw new InvalidArgumentError(`metric: targets of shape [${yTrue.shape}] do not fit predictions of shape [${yPred.shape}]`);
  }
  const pred = readAndDispose(tf.argMax(yPred, -1)) as Int32Array;
  if (truth.length !== pred.length) {
    throw new InvalidArgumentError(`metric: ${truth.length} targets for ${pred.length} predictions`);
  }
  return { truth, pred, numClasses };
}

/** The values of `t`, which is then disposed. @internal */
export function readAndDispose(t: tf.Tensor): tf.TypedArray {
  try {
    return t.dataSync();
  } finally {
    t.dispose();
  }
}
