import * as tf from '@tensorflow/tfjs-core';

/**
 * Distribution Focal Loss (Li et al., Generalized Focal Loss, 2020), element-wise: for
 * logits `[..., bins]` over the distances 0..bins−1 and a real target `y` `[...]` in
 * [0, bins − 1), the cross-entropy against the two bins around `y`, weighted by nearness:
 * `−((⌊y⌋+1 − y)·log p⌊y⌋ + (y − ⌊y⌋)·log p⌊y⌋+1)`. Returns `[...]`; the caller weights,
 * sums and normalises. The target is not differentiated.
 */
export function distributionFocalLoss(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const bins = logits.shape[logits.rank - 1] as number;
    const y = tf.clipByValue(target, 0, bins - 1 - 1e-3);
    const left = tf.floor(y);
    const wLeft = tf.sub(tf.add(left, 1), y);
    const wRight = tf.sub(y, left);
    const leftIdx = tf.cast(left, 'int32');
    const soft = tf.add(
      tf.mul(tf.oneHot(leftIdx, bins), tf.expandDims(wLeft, -1)),
      tf.mul(tf.oneHot(tf.add(leftIdx, tf.scalar(1, 'int32')), bins), tf.expandDims(wRight, -1)),
    );
    return tf.neg(tf.sum(tf.mul(soft, tf.logSoftmax(logits, -1)), -1));
  });
}
