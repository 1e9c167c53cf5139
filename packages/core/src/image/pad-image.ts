import { InvalidArgumentError } from '../errors';
import { assertNonNegativeInt, assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/** Padding of `padImage`, in pixels per side, and the fill colour (default black). */
export interface PadOptions {
  top?: number;
  right?: number;
  bottom?: number;
  left?: number;
  value?: [number, number, number];
}

/** Returns a new image with constant-colour borders added around `img`. */
export function padImage(img: RgbImage, pad: PadOptions): RgbImage {
  assertRgbImage(img, 'padImage');
  const top = pad.top ?? 0;
  const right = pad.right ?? 0;
  const bottom = pad.bottom ?? 0;
  const left = pad.left ?? 0;
  assertNonNegativeInt(top, 'padImage: top');
  assertNonNegativeInt(right, 'padImage: right');
  assertNonNegativeInt(bottom, 'padImage: bottom');
  assertNonNegativeInt(left, 'padImage: left');
  const [r, g, b] = pad.value ?? [0, 0, 0];
  for (const c of [r, g, b]) {
    if (!Number.isInteger(c) || c < 0 || c > 255) {
      throw new InvalidArgumentError(`padImage: value must be three integers in 0..255, got ${JSON.stringify(pad.value)}`);
    }
  }
  const width = img.width + left + right;
  const height = img.height + top + bottom;
  const out = new Uint8Array(width * height * 3);
  if (r !== 0 || g !== 0 || b !== 0) {
    for (let i = 0; i < out.length; i += 3) {
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
    }
  }
  const srcRow = img.width * 3;
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray(y * srcRow, (y + 1) * srcRow), ((y + top) * width + left) * 3);
  }
  return { data: out, width, height };
}
