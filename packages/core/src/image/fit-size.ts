import { InvalidArgumentError } from '../errors';
import { assertPositiveInt } from './assert-image';
import { roundHalfEven } from './resize-image';

/** Options of `fitSize` (PaddleOCR `DetResizeForTest`, resize type 0). */
export interface FitSizeOptions {
  /** The side length the limit applies to (PaddleOCR det default: 960 with 'max'). */
  limitSideLen: number;
  /** 'max': shrink so the longer side is <= limit; 'min': grow so the shorter side is >= limit. */
  limitType: 'max' | 'min';
  /** Each output side is rounded to a multiple of this (default 32). */
  multipleOf?: number;
  /** Lower bound of each output side (default: `multipleOf`). */
  minSide?: number;
}

/**
 * The target size PaddleOCR's detector preprocessing picks for a `width` x `height` image:
 * scale by the limit ratio (only when the limit is violated), truncate to integers, then
 * round each side to the nearest multiple with Python's round-half-to-even, never below
 * `minSide`. The aspect ratio is therefore kept only approximately, as in PaddleOCR.
 */
export function fitSize(width: number, height: number, o: FitSizeOptions): { width: number; height: number } {
  assertPositiveInt(width, 'fitSize: width');
  assertPositiveInt(height, 'fitSize: height');
  if (typeof o?.limitSideLen !== 'number' || !(o.limitSideLen > 0)) {
    throw new InvalidArgumentError(`fitSize: limitSideLen must be a positive number, got ${String(o?.limitSideLen)}`);
  }
  const multiple = o.multipleOf ?? 32;
  assertPositiveInt(multiple, 'fitSize: multipleOf');
  const minSide = o.minSide ?? multiple;
  if (typeof minSide !== 'number' || !(minSide >= 0)) {
    throw new InvalidArgumentError(`fitSize: minSide must be a non-negative number, got ${String(minSide)}`);
  }
  let ratio = 1;
  if (o.limitType === 'max') {
    const longer = Math.max(width, height);
    if (longer > o.limitSideLen) ratio = o.limitSideLen / longer;
  } else if (o.limitType === 'min') {
    const shorter = Math.min(width, height);
    if (shorter < o.limitSideLen) ratio = o.limitSideLen / shorter;
  } else {
    throw new InvalidArgumentError(`fitSize: limitType must be 'max' or 'min', got ${String(o.limitType)}`);
  }
  const side = (v: number): number => Math.max(roundHalfEven(Math.trunc(v * ratio) / multiple) * multiple, minSide);
  return { width: side(width), height: side(height) };
}
