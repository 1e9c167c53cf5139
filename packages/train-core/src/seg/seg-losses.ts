/**
 * Segmentation losses on label maps: targets `[N, H, W]` of class indices (255 = ignore),
 * predictions `[N, H, W, C]` logits. PaddleSeg's `CrossEntropyLoss` (with
 * `OhemCrossEntropyLoss`'s hard-pixel mining as an option), `DiceLoss` and
 * `LovaszSoftmaxLoss`, and a weighted mix of them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { diceLoss } from '../losses/dice';
import type { LossFn } from '../losses/loss';
import { IGNORE_INDEX } from './seg-sample';

/** Options of {@link segCrossEntropy}. */
export interface SegCrossEntropyOptions {
  /** Label that contributes nothing. Default 255. */
  ignoreIndex?: number;
  /**
   * Online hard example mining (PaddleSeg `OhemCrossEntropyLoss(thresh=0.7, min_kept=10000)`):
   * average only over pixels whose probability of the true class is below `thresh`, but
   * at least the `minKept` hardest ones.
   */
  ohem?: boolean | { thresh?: number; minKept?: number };
}

/** One-hot targets and the valid-pixel mask `[N, H, W]` (1 where the label is a class). */
function targets(yTrue: tf.Tensor, numClasses: number, ignoreIndex: number): { onehot: tf.Tensor; valid: tf.Tensor } {
  const labels = tf.cast(yTrue, 'int32');
  const valid = tf.cast(tf.logicalAnd(tf.notEqual(labels, ignoreIndex), tf.less(labels, numClasses)), 'float32');
  // oneHot of an out-of-range index is all zeros, so ignored pixels carry no target.
  const onehot = tf.oneHot(tf.where(tf.cast(valid, 'bool'), labels, tf.fill(labels.shape, -1, 'int32')), numClasses);
  return { onehot: tf.cast(onehot, 'float32'), valid };
}

function checkShapes(yTrue: tf.Tensor, yPred: tf.Tensor): void {
  if (yPred.rank !== 4 || yTrue.rank !== 3 || yTrue.shape.join() !== yPred.shape.slice(0, 3).join()) {
    throw new InvalidArgumentError(`segmentation loss: targets [N,H,W] and logits [N,H,W,C] expected, got [${yTrue.shape}] and [${yPred.shape}]`);
  }
}

/**
 * Pixel-wise softmax cross-entropy over the valid pixels (PaddleSeg `CrossEntropyLoss`:
 * the mean over non-ignored pixels), optionally with OHEM.
 */
export function segCrossEntropy(options: SegCrossEntropyOptions = {}): LossFn {
  const ignore = options.ignoreIndex ?? IGNORE_INDEX;
  const ohem = options.ohem === true ? {} : options.ohem || undefined;
  const thresh = ohem?.thresh ?? 0.7;
  const minKept = ohem?.minKept ?? 10000;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      checkShapes(yTrue, yPred);
      const c = yPred.shape[3]!;
      const { onehot, valid } = targets(yTrue, c, ignore);
      const logP = tf.logSoftmax(yPred);
      const pixelLoss = tf.neg(tf.sum(tf.mul(onehot, logP), -1));
      let weight = valid;
      if (ohem) {
        // The kept set is chosen on values only (no gradient through the choice), as PaddleSeg.
        const pTrue = tf.sum(tf.mul(onehot, tf.exp(logP)), -1).dataSync();
        const v = valid.dataSync();
        const probs: number[] = [];
        for (let i = 0; i < v.length; i++) if (v[i] > 0) probs.push(pTrue[i]);
        if (probs.length > 0) {
          probs.sort((a, b) => a - b);
          const kth = probs[Math.min(minKept, probs.length) - 1];
          const cut = Math.max(thresh, kth);
          const keep = new Float32Array(v.length);
          for (let i = 0; i < v.length; i++) keep[i] = v[i] > 0 && pTrue[i] <= cut ? 1 : 0;
          weight = tf.tensor(keep, valid.shape, 'float32');
        }
      }
      return tf.div(tf.sum(tf.mul(pixelLoss, weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
    });
}

/**
 * Multi-class soft Dice (PaddleSeg `DiceLoss`): softmax probabilities against one-hot
 * targets on the valid pixels, train-core's {@link diceLoss} per class, averaged over classes.
 */
export function segDice(options: { ignoreIndex?: number; smooth?: number } = {}): LossFn {
  const ignore = options.ignoreIndex ?? IGNORE_INDEX;
  const dice = diceLoss({ smooth: options.smooth ?? 1 });
  return (yTrue, yPred) =>
    tf.tidy(() => {
      checkShapes(yTrue, yPred);
      const c = yPred.shape[3]!;
      const { onehot, valid } = targets(yTrue, c, ignore);
      const p = tf.mul(tf.softmax(yPred), tf.expandDims(valid, -1));
      // Dice over the whole batch per class (PaddleSeg sums over N, H, W).
      const flatP = tf.reshape(p, [1, -1, c]);
      const flatY = tf.reshape(onehot, [1, -1, c]);
      const perClass: tf.Scalar[] = [];
      for (let k = 0; k < c; k++) {
        const pk = tf.squeeze(tf.slice(flatP, [0, 0, k], [1, -1, 1]), [2]);
        const yk = tf.squeeze(tf.slice(flatY, [0, 0, k], [1, -1, 1]), [2]);
        perClass.push(dice(yk, pk));
      }
      return tf.mean(tf.stack(perClass)) as tf.Scalar;
    });
}

/** Gradient of the Lovász extension of the Jaccard loss w.r.t. sorted errors (Berman et al., alg. 1). */
function lovaszGrad(gtSorted: Float32Array): Float32Array {
  const n = gtSorted.length;
  let gts = 0;
  for (let i = 0; i < n; i++) gts += gtSorted[i];
  const grad = new Float32Array(n);
  let cumFg = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    cumFg += gtSorted[i];
    const intersection = gts - cumFg;
    const union = gts + (i + 1) - cumFg;
    const jaccard = 1 - intersection / union;
    grad[i] = i === 0 ? jaccard : jaccard - prev;
    prev = jaccard;
  }
  return grad;
}

/**
 * Lovász-softmax (PaddleSeg `LovaszSoftmaxLoss`, classes 'present'): for each class present
 * in the targets, the Lovász extension of 1 − IoU over the valid pixels' errors |y − p|,
 * averaged. The sort runs on values (its permutation has no gradient), so the loss is
 * written as Σ errors · w with the Lovász gradient scattered back to pixel order in JS:
 * the same value and gradient as gathering the sorted errors, without Gather's gradient
 * (UnsortedSegmentSum), which the wasm backend lacks.
 */
export function lovaszSoftmax(options: { ignoreIndex?: number } = {}): LossFn {
  const ignore = options.ignoreIndex ?? IGNORE_INDEX;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      checkShapes(yTrue, yPred);
      const c = yPred.shape[3]!;
      const labels = yTrue.dataSync();
      const validIdx: number[] = [];
      for (let i = 0; i < labels.length; i++) if (labels[i] !== ignore && labels[i]! < c) validIdx.push(i);
      const probs = tf.reshape(tf.softmax(yPred), [-1, c]);
      if (validIdx.length === 0) return tf.mul(tf.sum(probs), 0) as tf.Scalar;
      const pv = probs.dataSync();
      const total = labels.length;
      const n = validIdx.length;
      const losses: tf.Scalar[] = [];
      for (let k = 0; k < c; k++) {
        const fgAll = new Float32Array(total);
        let present = false;
        for (const i of validIdx) {
          if (labels[i] === k) {
            fgAll[i] = 1;
            present = true;
          }
        }
        if (!present) continue;
        const err = Float32Array.from(validIdx, (i) => Math.abs(fgAll[i]! - pv[i * c + k]!));
        const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => err[b]! - err[a]!);
        const grad = lovaszGrad(Float32Array.from(order, (j) => fgAll[validIdx[j]!]!));
        const weight = new Float32Array(total);
        order.forEach((j, rank) => {
          weight[validIdx[j]!] = grad[rank]!;
        });
        const pk = tf.squeeze(tf.slice(probs, [0, k], [-1, 1]), [1]);
        const errors = tf.abs(tf.sub(tf.tensor1d(fgAll), pk));
        losses.push(tf.sum(tf.mul(errors, tf.tensor1d(weight))) as tf.Scalar);
      }
      return (losses.length ? tf.mean(tf.stack(losses)) : tf.mul(tf.sum(probs), 0)) as tf.Scalar;
    });
}

/** Loss names of {@link segLoss}. */
export const SEG_LOSSES = ['ce', 'ce+dice', 'ce+lovasz', 'dice', 'lovasz'] as const;
/** One of {@link SEG_LOSSES}. */
export type SegLossName = (typeof SEG_LOSSES)[number];

/** A mix of the seg losses by name (`ce+dice` = CE + Dice, equal weights, as PaddleSeg's `MixedLoss` configs). */
export function segLoss(name: SegLossName, options: SegCrossEntropyOptions = {}): LossFn {
  const parts: LossFn[] = name.split('+').map((n) => {
    if (n === 'ce') return segCrossEntropy(options);
    if (n === 'dice') return segDice({ ignoreIndex: options.ignoreIndex });
    if (n === 'lovasz') return lovaszSoftmax({ ignoreIndex: options.ignoreIndex });
    throw new InvalidArgumentError(`unknown segmentation loss "${n}"; known: ${SEG_LOSSES.join(', ')}`);
  });
  if (parts.length === 1) return parts[0];
  return (yTrue, yPred) => tf.tidy(() => parts.map((f) => f(yTrue, yPred)).reduce((a, b) => tf.add(a, b)) as tf.Scalar);
}
