import { InvalidArgumentError } from '../errors';
import { assertNonNegativeInt, assertPositiveInt, assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/** An integer pixel rectangle: top-left corner and size. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Copies the pixels of `rect` into a new image. The rectangle must lie inside the image
 * (clamp it yourself first if it may not): a silent clamp would hide off-by-one bugs.
 */
export function cropImage(img: RgbImage, rect: CropRect): RgbImage {
  assertRgbImage(img, 'cropImage');
  assertNonNegativeInt(rect.x, 'cropImage: x');
  assertNonNegativeInt(rect.y, 'cropImage: y');
  assertPositiveInt(rect.width, 'cropImage: width');
  assertPositiveInt(rect.height, 'cropImage: height');
  if (rect.x + rect.width > img.width || rect.y + rect.height > img.height) {
    throw new InvalidArgumentError(
      `cropImage: rect ${rect.x},${rect.y} ${rect.width}x${rect.height} exceeds the ${img.width}x${img.height} image`,
    );
  }
  const out = new Uint8Array(rect.width * rect.height * 3);
  const rowBytes = rect.width * 3;
  for (let y = 0; y < rect.height; y++) {
    const s = ((rect.y + y) * img.width + rect.x) * 3;
    out.set(img.data.subarray(s, s + rowBytes), y * rowBytes);
  }
  return { data: out, width: rect.width, height: rect.height };
}
