import { InvalidArgumentError } from '../errors';
import { assertPositiveInt, assertRgbImage } from './assert-image';
import type { Homography } from './homography';
import type { QuadPoints, RgbImage } from './types';
import { bilinearFixedTab, cubicTab64, COEF_BITS as COEF_BITS_, COEF_SCALE as COEF_SCALE_, TAB_BITS as TAB_BITS_, TAB_SIZE as TAB_SIZE_ } from './warp-tables';
import { wasmWarp } from './warp-wasm';

/** Options of `warpQuad`. */
export interface WarpQuadOptions {
  /**
   * `'bilinear'` (default) or `'bicubic'`. PaddleOCR's `get_rotate_crop_image` uses
   * cv2 INTER_CUBIC. Both follow OpenCV's 8-bit remap (positions rounded to 1/32 pixel;
   * bilinear with 10-bit fixed-point weights, bicubic with float32 weights, as measured
   * against cv2 4.6) so crops match the reference.
   */
  interpolation?: 'bilinear' | 'bicubic';
}

// Module-local copies: an imported binding is a property load (a getter in the CJS build and
// under tsx) in every use, which made the sampling loops below 2x slower.
const TAB_BITS = TAB_BITS_;
const TAB_SIZE = TAB_SIZE_;
const COEF_BITS = COEF_BITS_;
const COEF_SCALE = COEF_SCALE_;

// Re-exported for image/index.ts; defined in homography.ts, which warp-wasm.ts also imports.
export type { Homography };

/**
 * The output size PaddleOCR's `get_rotate_crop_image` uses for a quad (tl, tr, br, bl):
 * width = trunc(max(|tl-tr|, |br-bl|)), height = trunc(max(|tl-bl|, |tr-br|)).
 */
export function quadCropSize(quad: QuadPoints): { width: number; height: number } {
  const d = (a: readonly [number, number], b: readonly [number, number]): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
  return {
    width: Math.trunc(Math.max(d(quad[0], quad[1]), d(quad[2], quad[3]))),
    height: Math.trunc(Math.max(d(quad[0], quad[3]), d(quad[1], quad[2]))),
  };
}

/**
 * The homography taking the output rectangle's corners (0,0), (w,0), (w,h), (0,h) to the
 * quad's corners, i.e. the inverse map a warp samples with. Closed form (square-to-quad,
 * Heckbert 1989) instead of an 8x8 solve: exact for parallelograms and cheaper.
 * @throws InvalidArgumentError when the quad is degenerate (three collinear corners).
 */
export function quadHomography(quad: QuadPoints, width: number, height: number): Homography {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  let a: number, b: number, d: number, e: number, g: number, h: number;
  if (sx === 0 && sy === 0) {
    a = x1 - x0;
    b = x3 - x0;
    d = y1 - y0;
    e = y3 - y0;
    g = 0;
    h = 0;
  } else {
    const dx1 = x1 - x2;
    const dx2 = x3 - x2;
    const dy1 = y1 - y2;
    const dy2 = y3 - y2;
    const den = dx1 * dy2 - dx2 * dy1;
    if (den === 0) throw new InvalidArgumentError(`warpQuad: degenerate quad ${JSON.stringify(quad)}`);
    g = (sx * dy2 - dx2 * sy) / den;
    h = (dx1 * sy - sx * dy1) / den;
    a = x1 - x0 + g * x1;
    b = x3 - x0 + h * x3;
    d = y1 - y0 + g * y1;
    e = y3 - y0 + h * y3;
  }
  if (a * e - b * d === 0) throw new InvalidArgumentError(`warpQuad: degenerate quad ${JSON.stringify(quad)}`);
  // Unit square -> quad, composed with output pixels -> unit square (u = x / w, v = y / h).
  return [a / width, b / height, x0, d / width, e / height, y0, g / width, h / height, 1];
}

/**
 * Perspective crop of an arbitrary quadrilateral (tl, tr, br, bl) into an upright
 * rectangle: the OCR text-line crop. Default size as PaddleOCR's `get_rotate_crop_image`
 * (see `quadCropSize`); borders replicate edge pixels (cv2 BORDER_REPLICATE).
 * PaddleOCR then turns crops with height/width >= 1.5 by `np.rot90`; that is the caller's
 * choice (`rotateImage(crop, 270)`).
 */
export function warpQuad(img: RgbImage, quad: QuadPoints, size?: { width: number; height: number }, options: WarpQuadOptions = {}): RgbImage {
  assertRgbImage(img, 'warpQuad');
  if (!Array.isArray(quad) || quad.length !== 4 || !quad.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))) {
    throw new InvalidArgumentError(`warpQuad: quad must be 4 [x, y] points, got ${JSON.stringify(quad)}`);
  }
  const { width, height } = size ?? quadCropSize(quad);
  assertPositiveInt(width, 'warpQuad: output width');
  assertPositiveInt(height, 'warpQuad: output height');
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'bicubic') {
    throw new InvalidArgumentError(`warpQuad: interpolation must be 'bilinear' or 'bicubic', got ${String(interpolation)}`);
  }
  const m = quadHomography(quad, width, height);
  const out = new Uint8Array(width * height * 3);
  // The WebAssembly kernel (warp-wasm.ts) when available; the JS below is the reference
  // and the fallback, with identical output.
  if (wasmWarp(img, quad, m, out, width, height, interpolation === 'bilinear')) return { data: out, width, height };
  if (interpolation === 'bilinear') sampleBilinear(img, m, out, width, height);
  else sampleBicubic(img, m, out, width, height);
  return { data: out, width, height };
}

function sampleBilinear(img: RgbImage, m: Homography, out: Uint8Array, width: number, height: number): void {
  const tab = bilinearFixedTab();
  const src = img.data;
  const sw = img.width;
  const sh = img.height;
  const stride = sw * 3;
  const half = COEF_SCALE >> 1;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const X0 = m1 * y + m2;
    const Y0 = m4 * y + m5;
    const W0 = m7 * y + m8;
    for (let x = 0; x < width; x++, o += 3) {
      // Source position in 1/32 pixels, rounded like cv2 warpPerspective (cvRound).
      let w = W0 + m6 * x;
      w = w !== 0 ? TAB_SIZE / w : 0;
      // roundHalfEven of the position clamped into int32 range (quads partly outside the
      // image), inlined with ROUND_MAGIC: the position costs as much as the 4 taps here.
      let fx = (X0 + m0 * x) * w;
      fx = fx > 1e9 ? 1e9 : fx < -1e9 ? -1e9 : fx;
      const X = (fx + ROUND_MAGIC - ROUND_MAGIC) | 0;
      let fy = (Y0 + m3 * x) * w;
      fy = fy > 1e9 ? 1e9 : fy < -1e9 ? -1e9 : fy;
      const Y = (fy + ROUND_MAGIC - ROUND_MAGIC) | 0;
      const ix = X >> TAB_BITS;
      const iy = Y >> TAB_BITS;
      const t = ((Y & (TAB_SIZE - 1)) * TAB_SIZE + (X & (TAB_SIZE - 1))) * 4;
      // BORDER_REPLICATE: clamp each tap.
      const x0 = (ix < 0 ? 0 : ix >= sw ? sw - 1 : ix) * 3;
      const x1 = (ix + 1 < 0 ? 0 : ix + 1 >= sw ? sw - 1 : ix + 1) * 3;
      const r0 = (iy < 0 ? 0 : iy >= sh ? sh - 1 : iy) * stride;
      const r1 = (iy + 1 < 0 ? 0 : iy + 1 >= sh ? sh - 1 : iy + 1) * stride;
      const w00 = tab[t];
      const w01 = tab[t + 1];
      const w10 = tab[t + 2];
      const w11 = tab[t + 3];
      const p00 = r0 + x0;
      const p01 = r0 + x1;
      const p10 = r1 + x0;
      const p11 = r1 + x1;
      // Weights are >= 0 and sum to 1024, so results stay in 0..255 without clamping.
      out[o] = (src[p00] * w00 + src[p01] * w01 + src[p10] * w10 + src[p11] * w11 + half) >> COEF_BITS;
      out[o + 1] = (src[p00 + 1] * w00 + src[p01 + 1] * w01 + src[p10 + 1] * w10 + src[p11 + 1] * w11 + half) >> COEF_BITS;
      out[o + 2] = (src[p00 + 2] * w00 + src[p01 + 2] * w01 + src[p10 + 2] * w10 + src[p11 + 2] * w11 + half) >> COEF_BITS;
    }
  }
}

// One text-line crop is ~40k pixels and a receipt has ~50 of them, so this loop is the hot
// spot of OCR preprocessing. What keeps it fast in V8 (measured with tools/bench/image-ops.ts,
// ~1.6x over the previous loop): rounding by ROUND_MAGIC instead of Math.round plus a tie
// test (positions and results); interior pixels (all 16 taps inside the image, nearly all of
// them) address the taps from one base offset, and only pixels near the border build clamped
// row/column offsets; the channel loop is unrolled and everything stays in locals, so nothing
// allocates. (A Uint8ClampedArray view, whose store also rounds half to even and clamps, was
// no faster.) Positions (|v| <= 1e9 after the clamp) and sums (|v| < 2^12) are far inside
// ROUND_MAGIC's exact range. The arithmetic itself is untouched: same float64 weights,
// same summation order, so the output is the same byte for byte.
function sampleBicubic(img: RgbImage, m: Homography, out: Uint8Array, width: number, height: number): void {
  const tab = cubicTab64();
  const src = img.data;
  const sw = img.width;
  const sh = img.height;
  const stride = sw * 3;
  const s2 = stride * 2;
  const s3 = stride * 3;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
  const lastX = sw - 4;
  const lastY = sh - 4;
  let o = 0;
  for (let y = 0; y < height; y++) {
    // Products hoisted per row; the sums keep sourcePos's order, (m0*x + m1*y) + m2, so the
    // rounded positions are the same bit for bit.
    const m1y = m1 * y;
    const m4y = m4 * y;
    const m7y = m7 * y;
    for (let x = 0; x < width; x++, o += 3) {
      let w = m6 * x + m7y + m8;
      w = w !== 0 ? TAB_SIZE / w : 0;
      // roundHalfEven of the position clamped into int32 range (quads partly outside the image).
      let fx = (m0 * x + m1y + m2) * w;
      fx = fx > 1e9 ? 1e9 : fx < -1e9 ? -1e9 : fx;
      const X = (fx + ROUND_MAGIC - ROUND_MAGIC) | 0;
      let fy = (m3 * x + m4y + m5) * w;
      fy = fy > 1e9 ? 1e9 : fy < -1e9 ? -1e9 : fy;
      const Y = (fy + ROUND_MAGIC - ROUND_MAGIC) | 0;
      const ix = (X >> TAB_BITS) - 1;
      const iy = (Y >> TAB_BITS) - 1;
      const t = ((Y & (TAB_SIZE - 1)) * TAB_SIZE + (X & (TAB_SIZE - 1))) * 16;
      const w00 = tab[t], w01 = tab[t + 1], w02 = tab[t + 2], w03 = tab[t + 3];
      const w10 = tab[t + 4], w11 = tab[t + 5], w12 = tab[t + 6], w13 = tab[t + 7];
      const w20 = tab[t + 8], w21 = tab[t + 9], w22 = tab[t + 10], w23 = tab[t + 11];
      const w30 = tab[t + 12], w31 = tab[t + 13], w32 = tab[t + 14], w33 = tab[t + 15];
      if (ix >= 0 && ix <= lastX && iy >= 0 && iy <= lastY) {
        // Summed in float64 row by row, each row left to right. Every product and partial
        // sum here is exact (weights are multiples of 2^-34, see warp-tables.ts), so the
        // WebAssembly kernel may sum in another order; cv2 sums in float32, which differs
        // only on rare ties.
        const a = iy * stride + ix * 3;
        const b = a + stride;
        const d = a + s2;
        const e = a + s3;
        {
          const v = src[a] * w00 + src[a + 3] * w01 + src[a + 6] * w02 + src[a + 9] * w03 +
          (src[b] * w10 + src[b + 3] * w11 + src[b + 6] * w12 + src[b + 9] * w13) +
          (src[d] * w20 + src[d + 3] * w21 + src[d + 6] * w22 + src[d + 9] * w23) +
          (src[e] * w30 + src[e + 3] * w31 + src[e + 6] * w32 + src[e + 9] * w33) + ROUND_MAGIC - ROUND_MAGIC;
          out[o] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        {
          const v = src[a + 1] * w00 + src[a + 4] * w01 + src[a + 7] * w02 + src[a + 10] * w03 +
          (src[b + 1] * w10 + src[b + 4] * w11 + src[b + 7] * w12 + src[b + 10] * w13) +
          (src[d + 1] * w20 + src[d + 4] * w21 + src[d + 7] * w22 + src[d + 10] * w23) +
          (src[e + 1] * w30 + src[e + 4] * w31 + src[e + 7] * w32 + src[e + 10] * w33) + ROUND_MAGIC - ROUND_MAGIC;
          out[o + 1] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        {
          const v = src[a + 2] * w00 + src[a + 5] * w01 + src[a + 8] * w02 + src[a + 11] * w03 +
          (src[b + 2] * w10 + src[b + 5] * w11 + src[b + 8] * w12 + src[b + 11] * w13) +
          (src[d + 2] * w20 + src[d + 5] * w21 + src[d + 8] * w22 + src[d + 11] * w23) +
          (src[e + 2] * w30 + src[e + 5] * w31 + src[e + 8] * w32 + src[e + 11] * w33) + ROUND_MAGIC - ROUND_MAGIC;
          out[o + 2] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        continue;
      }
      // Near the border: BORDER_REPLICATE, clamp each tap's row and column.
      const c0 = clampIndex(ix, sw) * 3;
      const c1 = clampIndex(ix + 1, sw) * 3;
      const c2 = clampIndex(ix + 2, sw) * 3;
      const c3 = clampIndex(ix + 3, sw) * 3;
      const r0 = clampIndex(iy, sh) * stride;
      const r1 = clampIndex(iy + 1, sh) * stride;
      const r2 = clampIndex(iy + 2, sh) * stride;
      const r3 = clampIndex(iy + 3, sh) * stride;
      for (let c = 0; c < 3; c++) {
        const a = r0 + c, b = r1 + c, d = r2 + c, e = r3 + c;
        {
          const v = src[a + c0] * w00 + src[a + c1] * w01 + src[a + c2] * w02 + src[a + c3] * w03 +
          (src[b + c0] * w10 + src[b + c1] * w11 + src[b + c2] * w12 + src[b + c3] * w13) +
          (src[d + c0] * w20 + src[d + c1] * w21 + src[d + c2] * w22 + src[d + c3] * w23) +
          (src[e + c0] * w30 + src[e + c1] * w31 + src[e + c2] * w32 + src[e + c3] * w33) + ROUND_MAGIC - ROUND_MAGIC;
          out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
}

/**
 * 1.5 * 2^52: for |v| < 2^51, `v + ROUND_MAGIC - ROUND_MAGIC` is v rounded to an integer,
 * ties to even (the float64 add rounds at the units bit in the default rounding mode), i.e.
 * exactly cvRound / `roundHalfEven`, in two adds instead of Math.round plus a tie test.
 * (NaN stays NaN and `| 0` makes it 0, as `>>` did with Math.round's NaN.)
 */
const ROUND_MAGIC = 6755399441055744;

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
