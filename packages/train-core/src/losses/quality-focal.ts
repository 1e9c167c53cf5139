import * as tf from '@tensorflow/tfjs-core';

/**
 * Quality Focal Loss (Li et al., Generalized Focal Loss, 2020), element-wise:
 * `BCE(σ(x), t) · |σ(x) − t|^β` for logits `x` and soft targets `t` in [0, 1] (the IoU of
 * the predicted box for a positive's class, 0 elsewhere), so the class score learns to be
 * the localisation quality. Numerically stable BCE on logits. Same shape as the inputs;
 * the caller sums and normalises (GFL: by the number of positives).
 */
export function qualityFocalLoss(logits: tf.Tensor, target: tf.Tensor, beta = 2): tf.Tensor {
  return tf.tidy(() => {
    // BCE with logits: max(x, 0) − x·t + log(1 + e^−|x|).
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const gap = tf.abs(tf.sub(tf.sigmoid(logits), target));
    return tf.mul(bce, beta === 2 ? tf.square(gap) : tf.pow(gap, beta));
  });
}
