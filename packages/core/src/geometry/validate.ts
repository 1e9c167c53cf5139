import { InvalidArgumentError } from '../errors';
import type { Box, Point } from './types';

/** @internal Throws unless `poly` is an array of at least `min` finite points. */
export function assertPoints(poly: readonly Point[], name: string, min = 0): void {
  if (!Array.isArray(poly)) throw new InvalidArgumentError(`${name} must be an array of [x, y] points`);
  if (poly.length < min) {
    throw new InvalidArgumentError(`${name} needs at least ${min} points, got ${poly.length}`, { details: { length: poly.length } });
  }
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i];
    if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new InvalidArgumentError(`${name}[${i}] is not a finite [x, y] point`, { details: { index: i } });
    }
  }
}

/** @internal Throws unless every box is four finite numbers. */
export function assertBoxes(boxes: readonly Box[], name: string): void {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(`${name} must be an array of [x1, y1, x2, y2] boxes`);
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) {
      throw new InvalidArgumentError(`${name}[${i}] is not a finite [x1, y1, x2, y2] box`, { details: { index: i } });
    }
  }
}

/** @internal Throws unless `values` has exactly `length` entries. */
export function assertSameLength(values: readonly unknown[] | undefined, length: number, name: string): void {
  if (values !== undefined && (!Array.isArray(values) || values.length !== length)) {
    throw new InvalidArgumentError(`${name} must have one entry per box (${length}), got ${Array.isArray(values) ? values.length : typeof values}`, {
      details: { expected: length },
    });
  }
}
