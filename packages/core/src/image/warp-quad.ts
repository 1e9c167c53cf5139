import { InvalidArgumentError } from '../errors';
import { assertPositiveInt, assertRgbImage } from './assert-image';
import { roundHalfEven } from './resize-image';
import type { QuadPoints, RgbImage } from './types';

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

/** A 3x3 homography, row-major, mapping output pixel (x, y, 1) to source coordinates. */
export type Homography = [number, number, number, number, number, number, number, number, number];

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

const TAB_BITS = 5;
const TAB_SIZE = 1 << TAB_BITS;
const COEF_BITS = 10;
const COEF_SCALE = 1 << COEF_BITS;

let bilinearTab: Int16Array | undefined;
let bicubicTab: Float32Array | undefined;

/** Bicubic weights, 32x32 sub-pixel positions x 16 taps, float32 like cv2's 8-bit cubic remap. */
function cubicTab(): Float32Array {
  if (bicubicTab) return bicubicTab;
  const tab1d = new Float32Array(TAB_SIZE * 4);
  for (let i = 0; i < TAB_SIZE; i++) cubicCoeffs(Math.fround(i * Math.fround(1 / TAB_SIZE)), tab1d, i * 4);
  const tab = new Float32Array(TAB_SIZE * TAB_SIZE * 16);
  for (let i = 0; i < TAB_SIZE; i++) {
    for (let j = 0; j < TAB_SIZE; j++) {
      for (let k1 = 0; k1 < 4; k1++) {
        for (let k2 = 0; k2 < 4; k2++) tab[(i * TAB_SIZE + j) * 16 + k1 * 4 + k2] = tab1d[i * 4 + k1] * tab1d[j * 4 + k2];
      }
    }
  }
  bicubicTab = tab;
  return tab;
}

/** cv2 `initInterTab2D` for bilinear: 32x32 sub-pixel positions x 4 weights summing to 1024. */
function bilinearFixedTab(): Int16Array {
  if (bilinearTab) return bilinearTab;
  const k = 2;
  const tab1d = new Float32Array(TAB_SIZE * k);
  for (let i = 0; i < TAB_SIZE; i++) {
    const x = Math.fround(i * Math.fround(1 / TAB_SIZE));
    tab1d[i * 2] = Math.fround(1 - x);
    tab1d[i * 2 + 1] = x;
  }
  const tab = new Int16Array(TAB_SIZE * TAB_SIZE * k * k);
  for (let i = 0; i < TAB_SIZE; i++) {
    for (let j = 0; j < TAB_SIZE; j++) {
      const base = (i * TAB_SIZE + j) * k * k;
      let sum = 0;
      for (let k1 = 0; k1 < k; k1++) {
        for (let k2 = 0; k2 < k; k2++) {
          const v = roundHalfEven(Math.fround(Math.fround(tab1d[i * k + k1] * tab1d[j * k + k2]) * COEF_SCALE));
          tab[base + k1 * k + k2] = v;
          sum += v;
        }
      }
      if (sum !== COEF_SCALE) {
        // Same rounding repair as OpenCV, so our weights are its weights.
        const diff = sum - COEF_SCALE;
        const k0 = k >> 1;
        let mk1 = k0, mk2 = k0, Mk1 = k0, Mk2 = k0;
        for (let k1 = k0; k1 < k0 + 2; k1++) {
          for (let k2 = k0; k2 < k0 + 2; k2++) {
            const v = tab[base + k1 * k + k2];
            if (v < tab[base + mk1 * k + mk2]) {
              mk1 = k1;
              mk2 = k2;
            } else if (v > tab[base + Mk1 * k + Mk2]) {
              Mk1 = k1;
              Mk2 = k2;
            }
          }
        }
        if (diff < 0) tab[base + Mk1 * k + Mk2] -= diff;
        else tab[base + mk1 * k + mk2] -= diff;
      }
    }
  }
  bilinearTab = tab;
  return tab;
}

/** cv2 `interpolateCubic` (A = -0.75), in float32 like OpenCV. */
function cubicCoeffs(x: number, out: Float32Array, o: number): void {
  const f = Math.fround;
  const A = -0.75;
  const x1 = f(x + 1);
  out[o] = f(f(f(f(f(f(A * x1) - 5 * A) * x1) + 8 * A) * x1) - 4 * A);
  out[o + 1] = f(f(f(f(f((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const y = f(1 - x);
  out[o + 2] = f(f(f(f(f((A + 2) * y) - (A + 3)) * y) * y) + 1);
  out[o + 3] = f(f(f(1 - out[o]) - out[o + 1]) - out[o + 2]);
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
  if (interpolation === 'bilinear') sampleBilinear(img, m, out, width, height);
  else sampleBicubic(img, m, out, width, height);
  return { data: out, width, height };
}

// Keeps far-away positions (quads partly outside the image) inside int32 before `>>`.
function clampInt(v: number): number {
  return v > 1e9 ? 1e9 : v < -1e9 ? -1e9 : v;
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
      const X = roundHalfEven(clampInt((X0 + m0 * x) * w));
      const Y = roundHalfEven(clampInt((Y0 + m3 * x) * w));
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

function sampleBicubic(img: RgbImage, m: Homography, out: Uint8Array, width: number, height: number): void {
  const tab = cubicTab64();
  const { data: src, width: sw, height: sh } = img;
  const stride = sw * 3;
  const round = Math.round;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
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
      // roundHalfEven(clampInt(...)) inlined: this loop runs once per crop pixel.
      let fx = (m0 * x + m1y + m2) * w;
      fx = fx > 1e9 ? 1e9 : fx < -1e9 ? -1e9 : fx;
      let X = round(fx);
      if (X - fx === 0.5 && (X & 1) !== 0) X -= 1;
      let fy = (m3 * x + m4y + m5) * w;
      fy = fy > 1e9 ? 1e9 : fy < -1e9 ? -1e9 : fy;
      let Y = round(fy);
      if (Y - fy === 0.5 && (Y & 1) !== 0) Y -= 1;
      const ix = (X >> TAB_BITS) - 1;
      const iy = (Y >> TAB_BITS) - 1;
      const t = ((Y & (TAB_SIZE - 1)) * TAB_SIZE + (X & (TAB_SIZE - 1))) * 16;
      // Tap offsets: rows r0..r3 and columns c0..c3, clamped (BORDER_REPLICATE) only near borders.
      let c0: number, c1: number, c2: number, c3: number, r0: number, r1: number, r2: number, r3: number;
      if (ix >= 0 && ix + 3 < sw) {
        c0 = ix * 3;
        c1 = c0 + 3;
        c2 = c0 + 6;
        c3 = c0 + 9;
      } else {
        c0 = clampIndex(ix, sw) * 3;
        c1 = clampIndex(ix + 1, sw) * 3;
        c2 = clampIndex(ix + 2, sw) * 3;
        c3 = clampIndex(ix + 3, sw) * 3;
      }
      if (iy >= 0 && iy + 3 < sh) {
        r0 = iy * stride;
        r1 = r0 + stride;
        r2 = r1 + stride;
        r3 = r2 + stride;
      } else {
        r0 = clampIndex(iy, sh) * stride;
        r1 = clampIndex(iy + 1, sh) * stride;
        r2 = clampIndex(iy + 2, sh) * stride;
        r3 = clampIndex(iy + 3, sh) * stride;
      }
      const w00 = tab[t], w01 = tab[t + 1], w02 = tab[t + 2], w03 = tab[t + 3];
      const w10 = tab[t + 4], w11 = tab[t + 5], w12 = tab[t + 6], w13 = tab[t + 7];
      const w20 = tab[t + 8], w21 = tab[t + 9], w22 = tab[t + 10], w23 = tab[t + 11];
      const w30 = tab[t + 12], w31 = tab[t + 13], w32 = tab[t + 14], w33 = tab[t + 15];
      for (let c = 0; c < 3; c++) {
        // Summed in float64 row by row, each row left to right (keep this order: it decides
        // the rounding of exact ties); cv2 sums in float32, which differs only on rare ties.
        const a = r0 + c, b = r1 + c, d = r2 + c, e = r3 + c;
        const sum =
          src[a + c0] * w00 + src[a + c1] * w01 + src[a + c2] * w02 + src[a + c3] * w03 +
          (src[b + c0] * w10 + src[b + c1] * w11 + src[b + c2] * w12 + src[b + c3] * w13) +
          (src[d + c0] * w20 + src[d + c1] * w21 + src[d + c2] * w22 + src[d + c3] * w23) +
          (src[e + c0] * w30 + src[e + c1] * w31 + src[e + c2] * w32 + src[e + c3] * w33);
        let v = round(sum);
        if (v - sum === 0.5 && (v & 1) !== 0) v -= 1;
        out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

let bicubicTab64: Float64Array | undefined;

/** `cubicTab` widened once to float64 (exact), so the hot loop skips float32 loads. */
function cubicTab64(): Float64Array {
  if (!bicubicTab64) bicubicTab64 = Float64Array.from(cubicTab());
  return bicubicTab64;
}
