/**
 * The mask type of the segmentation kit and the pixel operations on it: validation,
 * bilinear resizing, 8-bit conversion and thresholding.
 */
import { InvalidArgumentError } from '@modelkit/core';

/**
 * A single-channel person mask, row-major. `Float32Array` holds probabilities in [0, 1];
 * `Uint8Array` holds 0..255 (255 = person).
 */
export interface SegMask {
  data: Float32Array | Uint8Array;
  width: number;
  height: number;
}

/** A mask of probabilities in [0, 1]. */
export interface FloatMask extends SegMask {
  data: Float32Array;
}

/** A mask of 0..255 values. */
export interface ByteMask extends SegMask {
  data: Uint8Array;
}

/** Throws `E_INVALID_ARGUMENT` unless `mask` is a well-formed {@link SegMask}. */
export function assertMask(mask: SegMask, where: string): void {
  if (!mask || typeof mask !== 'object') throw new InvalidArgumentError(`${where}: mask must be { data, width, height }`);
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`${where}: mask width and height must be positive integers, got ${String(width)}x${String(height)}`);
  }
  if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${where}: mask data must be a Float32Array (0..1) or a Uint8Array (0..255)`);
  }
  if (data.length !== width * height) {
    throw new InvalidArgumentError(`${where}: mask data has ${data.length} values, expected ${width}x${height} = ${width * height}`, {
      details: { length: data.length, width, height },
    });
  }
}

/** Mask value at index `i` as a probability in [0, 1], whatever the mask's storage. */
export function maskAlphaReader(mask: SegMask): (i: number) => number {
  const d = mask.data;
  if (d instanceof Uint8Array) return (i) => d[i] / 255;
  return (i) => {
    const v = d[i];
    // NaN from a broken model must not poison the composite: treat it as background.
    return v > 0 ? (v < 1 ? v : 1) : 0;
  };
}

/** Converts a mask to 0..255 bytes (probabilities are rounded; byte masks are copied). */
export function toByteMask(mask: SegMask): ByteMask {
  assertMask(mask, 'toByteMask');
  if (mask.data instanceof Uint8Array) return { data: mask.data.slice(), width: mask.width, height: mask.height };
  const alpha = maskAlphaReader(mask);
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(alpha(i) * 255);
  return { data: out, width: mask.width, height: mask.height };
}

/** Converts a mask to Float32 probabilities (bytes are divided by 255). */
export function toFloatMask(mask: SegMask): FloatMask {
  assertMask(mask, 'toFloatMask');
  const alpha = maskAlphaReader(mask);
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha(i);
  return { data: out, width: mask.width, height: mask.height };
}

/** Binary person mask (1 = person) of the pixels whose probability is ≥ `threshold` (default 0.5). */
export function thresholdMask(mask: SegMask, threshold = 0.5): Uint8Array {
  assertMask(mask, 'thresholdMask');
  if (!(threshold >= 0 && threshold <= 1)) throw new InvalidArgumentError(`thresholdMask: threshold must be in [0, 1], got ${String(threshold)}`);
  const alpha = maskAlphaReader(mask);
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha(i) >= threshold ? 1 : 0;
  return out;
}

/**
 * Bilinear resize of a float map with half-pixel centres (TF `align_corners=false,
 * half_pixel_centers=true`, OpenCV INTER_LINEAR), edges clamped. Written here because
 * core's resizers work on 8-bit RGB and quantising the probabilities first would band the
 * soft edge the matting helpers need. Separable: one horizontal pass per source row, then
 * a vertical blend, so it costs O(out pixels) with no per-pixel index math for columns.
 */
export function resizeFloatMap(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  if (src.length !== sw * sh) throw new InvalidArgumentError(`resizeFloatMap: ${src.length} values for ${sw}x${sh}`);
  if (!Number.isInteger(dw) || !Number.isInteger(dh) || dw <= 0 || dh <= 0) throw new InvalidArgumentError(`resizeFloatMap: bad target size ${dw}x${dh}`);
  if (sw === dw && sh === dh) return src.slice();
  const x0 = new Int32Array(dw);
  const x1 = new Int32Array(dw);
  const fx = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    const s = Math.min(Math.max((x + 0.5) * (sw / dw) - 0.5, 0), sw - 1);
    const i = Math.floor(s);
    x0[x] = i;
    x1[x] = Math.min(i + 1, sw - 1);
    fx[x] = s - i;
  }
  // Horizontally resized source rows, computed lazily and kept while consecutive output rows use them.
  const rows = new Map<number, Float32Array>();
  const row = (y: number): Float32Array => {
    let r = rows.get(y);
    if (r) return r;
    r = new Float32Array(dw);
    const off = y * sw;
    for (let x = 0; x < dw; x++) {
      const a = src[off + x0[x]];
      r[x] = a + (src[off + x1[x]] - a) * fx[x];
    }
    if (rows.size > 2) rows.delete(rows.keys().next().value as number);
    rows.set(y, r);
    return r;
  };
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const s = Math.min(Math.max((y + 0.5) * (sh / dh) - 0.5, 0), sh - 1);
    const i = Math.floor(s);
    const fy = s - i;
    const top = row(i);
    const bottom = row(Math.min(i + 1, sh - 1));
    const off = y * dw;
    for (let x = 0; x < dw; x++) out[off + x] = top[x] + (bottom[x] - top[x]) * fy;
  }
  return out;
}

/** Resizes a mask (bilinear, see {@link resizeFloatMap}); the result has the input's storage type. */
export function resizeMask(mask: SegMask, width: number, height: number): SegMask {
  assertMask(mask, 'resizeMask');
  const f = resizeFloatMap(toFloatMask(mask).data, mask.width, mask.height, width, height);
  return mask.data instanceof Uint8Array ? toByteMask({ data: f, width, height }) : { data: f, width, height };
}
