import { InvalidArgumentError } from '../errors';
import { boxIou } from './box-iou';
import type { Box } from './types';
import { assertBoxes, assertSameLength } from './validate';

/** Options of {@link nms}. */
export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept, higher-scored box is greater than this. */
  iouThreshold: number;
  /** Boxes whose score is not greater than this are dropped first (PaddleDetection's `>` rule). Default: keep all. */
  scoreThreshold?: number;
  /** Keep at most this many boxes in total. Default: no limit. */
  maxDetections?: number;
  /** One class id per box. When given, boxes only suppress boxes of the same class. */
  classIds?: readonly number[];
}

/** @internal Indices of boxes with score > threshold, score-descending, ties by index. */
export function sortedCandidates(scores: readonly number[], scoreThreshold: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > scoreThreshold) order.push(i);
  // Array.prototype.sort is stable, so equal scores keep input order (deterministic).
  order.sort((p, q) => scores[q] - scores[p]);
  return order;
}

/**
 * Greedy hard non-maximum suppression. Class-agnostic unless `classIds` is given, in which
 * case a box can only be suppressed by a box of the same class.
 *
 * @returns indices of the kept boxes, score-descending (ties in input order).
 */
export function nms(boxes: readonly Box[], scores: readonly number[], o: NmsOptions): number[] {
  assertBoxes(boxes, 'boxes');
  assertSameLength(scores, boxes.length, 'scores');
  assertSameLength(o.classIds, boxes.length, 'classIds');
  if (!Number.isFinite(o.iouThreshold)) throw new InvalidArgumentError('nms: iouThreshold must be a finite number');
  const maxDetections = o.maxDetections ?? Infinity;
  if (!(maxDetections >= 0)) throw new InvalidArgumentError('nms: maxDetections must be >= 0');

  const order = sortedCandidates(scores, o.scoreThreshold ?? -Infinity);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    let suppressed = false;
    for (const k of kept) {
      if (o.classIds && o.classIds[k] !== o.classIds[i]) continue;
      if (boxIou(boxes[i], boxes[k]) > o.iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}
