/**
 * Edge-aware refinement of a low-resolution mask that was upsampled to the photo: the
 * guided filter (He, Sun, Tang, "Guided Image Filtering", TPAMI 2013) with the photo's
 * luminance as guide pulls the mask's soft edge onto the real edges of hair and clothing.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';

/** Options of {@link guidedFilter}. */
export interface GuidedFilterOptions {
  /** Window radius in pixels (window = 2r+1). Default: max(2, round(longest side / 160)). */
  radius?: number;
  /** Regulariser: larger keeps the mask smoother, smaller follows image edges harder. Default 1e-2 (guide in [0, 1]). */
  eps?: number;
}

/** Mean over a (2r+1)² window clipped at the borders, by running sums (O(pixels), independent of r). */
function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  // Horizontal pass: running sum along each row, divided by the clipped window width.
  for (let y = 0; y < h; y++) {
    const off = y * w;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) sum += src[off + x];
    for (let x = 0; x < w; x++) {
      const lo = Math.max(0, x - r);
      const hi = Math.min(w - 1, x + r);
      tmp[off + x] = sum / (hi - lo + 1);
      if (x + r + 1 < w) sum += src[off + x + r + 1];
      if (x - r >= 0) sum -= src[off + x - r];
    }
  }
  // Vertical pass over whole rows at once, so memory is read sequentially.
  const sum = new Float64Array(w);
  for (let y = 0; y <= Math.min(r, h - 1); y++) for (let x = 0; x < w; x++) sum[x] += tmp[y * w + x];
  for (let y = 0; y < h; y++) {
    const n = Math.min(h - 1, y + r) - Math.max(0, y - r) + 1;
    const off = y * w;
    for (let x = 0; x < w; x++) out[off + x] = sum[x] / n;
    if (y + r + 1 < h) for (let x = 0, o = (y + r + 1) * w; x < w; x++) sum[x] += tmp[o + x];
    if (y - r >= 0) for (let x = 0, o = (y - r) * w; x < w; x++) sum[x] -= tmp[o + x];
  }
  return out;
}

/**
 * Guided filter of a probability mask with the image's luminance as guide. Returns a new
 * mask of probabilities clamped to [0, 1], the image's size.
 */
export function guidedFilter(image: RgbImage, mask: Float32Array, options: GuidedFilterOptions = {}): Float32Array {
  const { width: w, height: h } = image;
  if (mask.length !== w * h) throw new InvalidArgumentError(`guidedFilter: mask has ${mask.length} values, image is ${w}x${h}`);
  const r = options.radius ?? Math.max(2, Math.round(Math.max(w, h) / 160));
  const eps = options.eps ?? 1e-2;
  if (!Number.isInteger(r) || r < 1) throw new InvalidArgumentError(`guidedFilter: radius must be a positive integer, got ${String(r)}`);
  if (!(eps > 0)) throw new InvalidArgumentError(`guidedFilter: eps must be > 0, got ${String(eps)}`);
  const n = w * h;
  const guide = new Float32Array(n);
  const ii = new Float32Array(n);
  const ip = new Float32Array(n);
  const px = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const g = (0.299 * px[j] + 0.587 * px[j + 1] + 0.114 * px[j + 2]) / 255;
    guide[i] = g;
    ii[i] = g * g;
    ip[i] = g * mask[i];
  }
  const meanI = boxMean(guide, w, h, r);
  const meanP = boxMean(mask, w, h, r);
  const corrII = boxMean(ii, w, h, r);
  const corrIP = boxMean(ip, w, h, r);
  // Reuse buffers for a and b: the inputs above are no longer needed.
  const a = ii;
  const b = ip;
  for (let i = 0; i < n; i++) {
    const varI = corrII[i] - meanI[i] * meanI[i];
    const cov = corrIP[i] - meanI[i] * meanP[i];
    a[i] = cov / (varI + eps);
    b[i] = meanP[i] - a[i] * meanI[i];
  }
  const meanA = boxMean(a, w, h, r);
  const meanB = boxMean(b, w, h, r);
  const out = meanA;
  for (let i = 0; i < n; i++) {
    const q = meanA[i] * guide[i] + meanB[i];
    out[i] = q > 0 ? (q < 1 ? q : 1) : 0;
  }
  return out;
}
