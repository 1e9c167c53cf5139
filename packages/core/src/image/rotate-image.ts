import { InvalidArgumentError } from '../errors';
import { assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/**
 * Rotates clockwise by a multiple of 90 degrees (as `cv2.rotate(ROTATE_90_CLOCKWISE)` for
 * 90). PaddleOCR's `np.rot90` of tall text crops is a counter-clockwise turn: use 270.
 */
export function rotateImage(img: RgbImage, degrees: 90 | 180 | 270): RgbImage {
  assertRgbImage(img, 'rotateImage');
  if (degrees !== 90 && degrees !== 180 && degrees !== 270) {
    throw new InvalidArgumentError(`rotateImage: degrees must be 90, 180 or 270, got ${String(degrees)}`);
  }
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(src.length);
  const ow = degrees === 180 ? w : h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number;
      let oy: number;
      if (degrees === 90) {
        ox = h - 1 - y;
        oy = x;
      } else if (degrees === 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {
        ox = y;
        oy = w - 1 - x;
      }
      const s = (y * w + x) * 3;
      const d = (oy * ow + ox) * 3;
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
    }
  }
  return { data: out, width: ow, height: degrees === 180 ? h : w };
}
