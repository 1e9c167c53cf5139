import { InvalidArgumentError } from '../errors';
import type { RgbImage } from './types';

/** @internal Throws InvalidArgumentError unless `img` is a well-formed RgbImage. */
export function assertRgbImage(img: RgbImage, where: string): void {
  if (img === null || typeof img !== 'object' || !(img.data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${where}: expected an RgbImage { data: Uint8Array, width, height }`);
  }
  assertPositiveInt(img.width, `${where}: width`);
  assertPositiveInt(img.height, `${where}: height`);
  const expected = img.width * img.height * 3;
  if (img.data.length !== expected) {
    throw new InvalidArgumentError(
      `${where}: data has ${img.data.length} bytes, expected ${expected} for ${img.width}x${img.height} RGB`,
      { details: { width: img.width, height: img.height, length: img.data.length } },
    );
  }
}

/** @internal Throws InvalidArgumentError unless `v` is an integer >= 1. */
export function assertPositiveInt(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${String(v)}`);
  }
}

/** @internal Throws InvalidArgumentError unless `v` is an integer >= 0. */
export function assertNonNegativeInt(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${String(v)}`);
  }
}
