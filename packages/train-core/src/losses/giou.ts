import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss';

/**
 * GIoU loss (Rezatofighi et al.): `1 - GIoU` averaged over boxes, for boxes `[..., 4]` as
 * `x1, y1, x2, y2`. `GIoU = IoU - (C - U) / C` with `C` the area of the smallest enclosing
 * box, so disjoint boxes still get a gradient that pulls them together.
 */
export function giouLoss(): LossFn {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const [px1, py1, px2, py2] = tf.unstack(tf.reshape(yPred, [-1, 4]), 1);
      const [tx1, ty1, tx2, ty2] = tf.unstack(tf.reshape(yTrue, [-1, 4]), 1);
      const area = (x1: tf.Tensor, y1: tf.Tensor, x2: tf.Tensor, y2: tf.Tensor): tf.Tensor =>
        tf.mul(tf.relu(tf.sub(x2, x1)), tf.relu(tf.sub(y2, y1)));
      const inter = area(tf.maximum(px1, tx1), tf.maximum(py1, ty1), tf.minimum(px2, tx2), tf.minimum(py2, ty2));
      const union = tf.sub(tf.add(area(px1, py1, px2, py2), area(tx1, ty1, tx2, ty2)), inter);
      const hull = area(tf.minimum(px1, tx1), tf.minimum(py1, ty1), tf.maximum(px2, tx2), tf.maximum(py2, ty2));
      const eps = 1e-7;
      const iou = tf.div(inter, tf.add(union, eps));
      const giou = tf.sub(iou, tf.div(tf.sub(hull, union), tf.add(hull, eps)));
      return tf.mean(tf.sub(1, giou)) as tf.Scalar;
    });
}
