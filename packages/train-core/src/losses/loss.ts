import type * as tf from '@tensorflow/tfjs-core';

/**
 * A training loss: targets and model outputs in, a scalar out. Built by the factories of
 * this folder (`crossEntropy()`, `focalLoss()`, ...) or written by the user with tfjs ops.
 */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** How a per-element loss becomes a scalar. */
export type Reduction = 'mean' | 'sum';
