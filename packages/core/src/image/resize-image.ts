import sharp from 'sharp';
import { assertPositiveInt, assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/** How `resizeImage` interpolates. */
export interface ResizeOptions {
  /**
   * `'cv2'` (default): our own bilinear that reproduces OpenCV's `cv2.resize(INTER_LINEAR)`
   * on 8-bit images (half-pixel centres, 2x2 taps, 11-bit fixed-point weights), which is
   * what PaddleOCR/PaddleDetection preprocess with, so model inputs match the reference.
   * `'sharp'`: libvips' linear kernel, which also averages when shrinking (anti-aliased,
   * smoother); closer to the "true" downscaled image but not to the reference pipelines.
   */
  engine?: 'cv2' | 'sharp';
}

/**
 * Resizes to exactly `width` x `height` (no ratio kept; see `fitSize`) with bilinear
 * interpolation. Returns a new image.
 */
export async function resizeImage(img: RgbImage, width: number, height: number, options: ResizeOptions = {}): Promise<RgbImage> {
  if (options.engine === 'sharp') {
    assertRgbImage(img, 'resizeImage');
    assertPositiveInt(width, 'resizeImage: width');
    assertPositiveInt(height, 'resizeImage: height');
    const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(width, height, { kernel: 'linear', fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  }
  return resizeImageSync(img, width, height);
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/**
 * Synchronous `cv2.resize(img, (width, height), interpolation=INTER_LINEAR)` for RGB 8-bit.
 * Output equals OpenCV 4's x86 SIMD path (horizontal pass to int32, vertical pass with its
 * `>>4`, `mulhi`, `+2 >>2` rounding); see `resizeImage`.
 */
export function resizeImageSync(img: RgbImage, width: number, height: number): RgbImage {
  assertRgbImage(img, 'resizeImage');
  assertPositiveInt(width, 'resizeImage: width');
  assertPositiveInt(height, 'resizeImage: height');
  const sw = img.width;
  const sh = img.height;
  if (sw === width && sh === height) return { data: img.data.slice(), width, height };

  // Per output column: source byte offset of the left tap and the two fixed-point weights.
  const xofs = new Int32Array(width);
  const xofs1 = new Int32Array(width);
  const ax = new Int32Array(width * 2);
  // Same float steps as cv2 (scale = 1/(dst/src) in double, fx rounded to float32) so the
  // weights agree bit for bit.
  const scaleX = 1 / (width / sw);
  for (let dx = 0; dx < width; dx++) {
    let fx = Math.fround((dx + 0.5) * scaleX - 0.5);
    let sx = Math.floor(fx);
    fx = Math.fround(fx - sx);
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx >= sw - 1) {
      fx = 0;
      sx = sw - 1;
    }
    xofs[dx] = sx * 3;
    xofs1[dx] = Math.min(sx + 1, sw - 1) * 3;
    ax[dx * 2] = roundHalfEven(Math.fround(1 - fx) * COEF_SCALE);
    ax[dx * 2 + 1] = roundHalfEven(fx * COEF_SCALE);
  }

  const rowLen = width * 3;
  // Horizontally resampled source rows (the "ring buffer" of cv2), reused across output rows.
  let rowA = new Int32Array(rowLen);
  let rowB = new Int32Array(rowLen);
  let rowAIndex = -1;
  let rowBIndex = -1;
  const src = img.data;
  const hpass = (sy: number, dst: Int32Array): void => hresize(src, sy * sw * 3, xofs, xofs1, ax, dst, width);

  const out = new Uint8Array(width * height * 3);
  const scaleY = 1 / (height / sh);
  for (let dy = 0; dy < height; dy++) {
    let fy = Math.fround((dy + 0.5) * scaleY - 0.5);
    let sy = Math.floor(fy);
    fy = Math.fround(fy - sy);
    if (sy < 0) {
      fy = 0;
      sy = 0;
    }
    if (sy >= sh - 1) {
      fy = 0;
      sy = sh - 1;
    }
    const b0 = roundHalfEven(Math.fround(1 - fy) * COEF_SCALE);
    const b1 = roundHalfEven(fy * COEF_SCALE);
    const sy1 = Math.min(sy + 1, sh - 1);
    // Fetch rows sy and sy1, swapping buffers instead of recomputing when possible.
    if (rowAIndex !== sy) {
      if (rowBIndex === sy) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        rowBIndex = rowAIndex;
      } else {
        hpass(sy, rowA);
      }
      rowAIndex = sy;
    }
    if (rowBIndex !== sy1) {
      hpass(sy1, rowB);
      rowBIndex = sy1;
    }
    const o = dy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      // OpenCV's VResizeLinearVec_32s8u: ((S0>>4)*b0 >> 16) + ((S1>>4)*b1 >> 16), then (+2)>>2.
      const v = ((((rowA[i] >> 4) * b0) >> 16) + (((rowB[i] >> 4) * b1) >> 16) + 2) >> 2;
      out[o + i] = v > 255 ? 255 : v < 0 ? 0 : v;
    }
  }
  return { data: out, width, height };
}

// Horizontal pass of one source row into int32 (weights scaled by 2048); a plain function
// (not a closure) so V8 keeps it monomorphic and fast.
function hresize(src: Uint8Array, base: number, xofs: Int32Array, xofs1: Int32Array, ax: Int32Array, dst: Int32Array, width: number): void {
  for (let dx = 0, o = 0; dx < width; dx++, o += 3) {
    const p0 = base + xofs[dx];
    const p1 = base + xofs1[dx];
    const a0 = ax[dx * 2];
    const a1 = ax[dx * 2 + 1];
    dst[o] = src[p0] * a0 + src[p1] * a1;
    dst[o + 1] = src[p0 + 1] * a0 + src[p1 + 1] * a1;
    dst[o + 2] = src[p0 + 2] * a0 + src[p1 + 2] * a1;
  }
}

/** @internal cvRound / Python round: ties go to the even integer. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties round up here
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}
