/**
 * Binary segmentation metrics (background vs person) with PaddleSeg's semantics
 * (`paddleseg/utils/metrics.py`): per-class intersection and union are summed over the
 * whole data set before dividing, ignored pixels count nowhere, and mIoU is the mean over
 * the two classes.
 */
import { InvalidArgumentError } from '@modelkit/core';

/** Label value that marks pixels to ignore (COCO crowd regions). */
export const IGNORE_LABEL = 255;

/** Pixel counts; "positive" = person. */
export interface SegConfusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Pixels whose label is {@link IGNORE_LABEL}. */
  ignored: number;
}

/** Metrics derived from a {@link SegConfusion}. NaN where a class never occurs in prediction or label. */
export interface SegMetrics {
  personIoU: number;
  backgroundIoU: number;
  /** Mean of the two IoUs. */
  mIoU: number;
  /** Correct pixels / counted pixels. */
  pixelAccuracy: number;
}

/** An all-zero confusion. */
export function emptyConfusion(): SegConfusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0, ignored: 0 };
}

/**
 * Adds one image to `into` (or a new confusion). `pred`: non-zero = person. `label`: 0 =
 * background, {@link IGNORE_LABEL} = ignore, any other value = person.
 */
export function accumulateConfusion(pred: Uint8Array, label: Uint8Array, into: SegConfusion = emptyConfusion()): SegConfusion {
  if (!(pred instanceof Uint8Array) || !(label instanceof Uint8Array)) throw new InvalidArgumentError('accumulateConfusion: pred and label must be Uint8Arrays');
  if (pred.length !== label.length) {
    throw new InvalidArgumentError(`accumulateConfusion: prediction has ${pred.length} pixels, label has ${label.length}`, { details: { pred: pred.length, label: label.length } });
  }
  let { tp, fp, fn, tn, ignored } = into;
  for (let i = 0; i < pred.length; i++) {
    const l = label[i];
    if (l === IGNORE_LABEL) {
      ignored++;
      continue;
    }
    const p = pred[i] !== 0;
    if (l !== 0) {
      if (p) tp++;
      else fn++;
    } else if (p) fp++;
    else tn++;
  }
  Object.assign(into, { tp, fp, fn, tn, ignored });
  return into;
}

/** IoU per class, mIoU and pixel accuracy from accumulated counts. */
export function segMetrics(c: SegConfusion): SegMetrics {
  const personIoU = c.tp / (c.tp + c.fp + c.fn);
  const backgroundIoU = c.tn / (c.tn + c.fn + c.fp);
  return {
    personIoU,
    backgroundIoU,
    mIoU: (personIoU + backgroundIoU) / 2,
    pixelAccuracy: (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn),
  };
}
