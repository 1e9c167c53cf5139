/**
 * NanoDet-Plus' GFL head loss on the training view's logits and {@link detTarget} rows:
 * Quality Focal Loss on the class scores (target = IoU of the predicted box for the
 * assigned class), Distribution Focal Loss on the side distributions, and GIoU (or
 * Balanced L1 on the distances) on the decoded boxes, weighted 1.0 / 0.25 / 2.0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { distributionFocalLoss } from '../losses/distribution-focal';
import type { LossFn } from '../losses/loss';
import { qualityFocalLoss } from '../losses/quality-focal';
import { DET_TARGET_ROW, type PointGrid } from './atss-assigner';

/** The box-regression term of {@link gflLoss}. */
export type DetBoxLoss = 'giou' | 'balanced-l1';

/** Options of {@link gflLoss}. */
export interface GflLossOptions {
  grid: PointGrid;
  numClasses: number;
  regMax: number;
  /** Weights of QFL, DFL and the box term. Default NanoDet-Plus': 1.0, 0.25, 2.0. */
  weights?: { qfl?: number; dfl?: number; box?: number };
  /** GIoU on decoded boxes (default) or Balanced L1 (Libra R-CNN) on the distances in strides. */
  boxLoss?: DetBoxLoss;
}

/** Parts of the loss for one batch, for tests and logs. */
export interface GflLossParts {
  qfl: tf.Scalar;
  dfl: tf.Scalar;
  box: tf.Scalar;
  total: tf.Scalar;
}

// Identity forward, zero gradient: the QFL target and the box weights are read off the
// predictions but must not be trained through (PyTorch's `.detach()`).
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

function iouOf(a: tf.Tensor[], b: tf.Tensor[]): { iou: tf.Tensor; union: tf.Tensor; inter: tf.Tensor } {
  const area = (x1: tf.Tensor, y1: tf.Tensor, x2: tf.Tensor, y2: tf.Tensor): tf.Tensor => tf.mul(tf.relu(tf.sub(x2, x1)), tf.relu(tf.sub(y2, y1)));
  const inter = area(tf.maximum(a[0], b[0]), tf.maximum(a[1], b[1]), tf.minimum(a[2], b[2]), tf.minimum(a[3], b[3]));
  const union = tf.sub(tf.add(area(a[0], a[1], a[2], a[3]), area(b[0], b[1], b[2], b[3])), inter);
  return { iou: tf.div(inter, tf.add(union, 1e-7)), union, inter };
}

/** Element-wise Balanced L1 (Libra R-CNN, α 0.5, γ 1.5, β 1) of `x = |pred − target|`. */
function balancedL1(x: tf.Tensor): tf.Tensor {
  const alpha = 0.5;
  const gamma = 1.5;
  const beta = 1;
  const b = Math.exp(gamma / alpha) - 1;
  const inner = tf.sub(tf.mul(tf.mul(tf.add(tf.mul(x, b), 1), alpha / b), tf.log1p(tf.mul(x, b / beta))), tf.mul(x, alpha));
  const outer = tf.add(tf.mul(x, gamma), gamma / b - alpha * beta);
  return tf.where(tf.less(x, beta), inner, outer);
}

/** The loss parts of one batch: `yTrue` `[N, points + maxBoxes, 5]`, `yPred` `[N, points, C + 4·(regMax+1)]`. */
export function gflLossParts(yTrue: tf.Tensor, yPred: tf.Tensor, o: GflLossOptions): GflLossParts {
  const { grid, numClasses: C, regMax } = o;
  const bins = regMax + 1;
  const P = grid.count;
  if (yPred.rank !== 3 || yPred.shape[1] !== P || yPred.shape[2] !== C + 4 * bins) {
    throw new InvalidArgumentError(`gflLoss: predictions [${yPred.shape}] do not fit ${P} points x (${C} classes + 4x${bins} bins)`);
  }
  if (yTrue.rank !== 3 || yTrue.shape[1]! < P || yTrue.shape[2] !== DET_TARGET_ROW) {
    throw new InvalidArgumentError(`gflLoss: targets [${yTrue.shape}] do not fit ${P} points`);
  }
  const w = { qfl: o.weights?.qfl ?? 1, dfl: o.weights?.dfl ?? 0.25, box: o.weights?.box ?? 2 };
  return tf.tidy(() => {
    const N = yPred.shape[0];
    const t = tf.slice(yTrue, [0, 0, 0], [N, P, DET_TARGET_ROW]);
    const label = tf.squeeze(tf.slice(t, [0, 0, 0], [N, P, 1]), [2]);
    const pos = tf.cast(tf.greaterEqual(label, 0), 'float32');
    const numPos = tf.maximum(tf.sum(pos), 1);
    const gt = tf.unstack(tf.slice(t, [0, 0, 1], [N, P, 4]), 2);
    const clsLogits = tf.slice(yPred, [0, 0, 0], [N, P, C]);
    const regLogits = tf.reshape(tf.slice(yPred, [0, 0, C], [N, P, 4 * bins]), [N, P, 4, bins]);

    // Expected distances (GFL's Integral) in strides, then boxes around the point centres.
    const dist = tf.sum(tf.mul(tf.softmax(regLogits, -1), tf.range(0, bins, 1, 'float32')), -1);
    const cx = tf.tensor2d(grid.cx, [1, P]);
    const cy = tf.tensor2d(grid.cy, [1, P]);
    const st = tf.tensor2d(grid.stride, [1, P]);
    const [dl, dt, dr, db] = tf.unstack(dist, 2);
    const pred = [tf.sub(cx, tf.mul(dl, st)), tf.sub(cy, tf.mul(dt, st)), tf.add(cx, tf.mul(dr, st)), tf.add(cy, tf.mul(db, st))];

    // QFL: the assigned class's target is the (undifferentiated) IoU of the predicted box.
    const { iou, union, inter } = iouOf(pred, gt);
    const quality = stopGradient(tf.mul(iou, pos));
    // tf.oneHot needs depth >= 2; with one class every positive is that class.
    const onehot = C === 1 ? tf.onesLike(tf.expandDims(label, -1)) : tf.oneHot(tf.cast(tf.relu(label), 'int32'), C);
    const scoreTarget = tf.mul(onehot, tf.expandDims(quality, -1));
    const qfl = tf.div(tf.sum(qualityFocalLoss(clsLogits, scoreTarget)), numPos);

    // Box and DFL terms weigh each positive by its best class score (NanoDet's weight_targets).
    const weight = stopGradient(tf.mul(tf.max(tf.sigmoid(clsLogits), -1), pos));
    const weightSum = tf.maximum(tf.sum(weight), 1e-6);
    const sides = [tf.div(tf.sub(cx, gt[0]), st), tf.div(tf.sub(cy, gt[1]), st), tf.div(tf.sub(gt[2], cx), st), tf.div(tf.sub(gt[3], cy), st)];
    const targetDist = tf.mul(tf.clipByValue(tf.stack(sides, 2), 0, regMax - 0.01), tf.expandDims(pos, -1));
    let box: tf.Tensor;
    if (o.boxLoss === 'balanced-l1') {
      box = tf.div(tf.sum(tf.mul(tf.sum(balancedL1(tf.abs(tf.sub(dist, targetDist))), -1), weight)), tf.mul(weightSum, 4));
    } else {
      const hull = tf.mul(
        tf.relu(tf.sub(tf.maximum(pred[2], gt[2]), tf.minimum(pred[0], gt[0]))),
        tf.relu(tf.sub(tf.maximum(pred[3], gt[3]), tf.minimum(pred[1], gt[1]))),
      );
      const giou = tf.sub(tf.div(inter, tf.add(union, 1e-7)), tf.div(tf.sub(hull, union), tf.add(hull, 1e-7)));
      box = tf.div(tf.sum(tf.mul(tf.sub(1, giou), weight)), weightSum);
    }
    const dfl = tf.div(tf.sum(tf.mul(distributionFocalLoss(regLogits, targetDist), tf.expandDims(weight, -1))), tf.mul(weightSum, 4));
    const qflW = tf.mul(qfl, w.qfl) as tf.Scalar;
    const dflW = tf.mul(dfl, w.dfl) as tf.Scalar;
    const boxW = tf.mul(box, w.box) as tf.Scalar;
    return { qfl: qflW, dfl: dflW, box: boxW, total: tf.addN([qflW, dflW, boxW]) as tf.Scalar };
  });
}

/** {@link gflLossParts}' total as a Trainer loss. */
export function gflLoss(options: GflLossOptions): LossFn {
  return (yTrue, yPred) => {
    const parts = gflLossParts(yTrue, yPred, options);
    tf.dispose([parts.qfl, parts.dfl, parts.box]);
    return parts.total;
  };
}
