import { InvalidArgumentError } from '../errors';
import { assertNonNegativeInt, assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/** How `imageToTensor` lays out and normalises pixels. */
export interface TensorLayoutOptions {
  /** 'nchw': planes of H*W per channel; 'nhwc': interleaved channels. */
  layout: 'nchw' | 'nhwc';
  /** Order of the output channels. */
  channelOrder: 'rgb' | 'bgr';
  /** Multiplier applied first (default 1/255). */
  scale?: number;
  /**
   * Subtracted after scaling, indexed by OUTPUT channel (so with 'bgr', mean[0] applies to
   * blue). This matches PaddleOCR, whose NormalizeImage runs on cv2's BGR array. Default 0.
   */
  mean?: [number, number, number];
  /** Divisor after the mean, indexed by output channel like `mean`. Default 1. */
  std?: [number, number, number];
  /** Write into this array (e.g. a batch buffer) instead of allocating. */
  out?: Float32Array;
  /** Element offset into `out` where this image starts (default 0). */
  offset?: number;
}

/**
 * Converts an image to a Float32 tensor of 3*H*W values, `(x * scale - mean[c]) / std[c]`,
 * in one pass. Returns `out` when given (filled at `offset`), else a new array; to build a
 * batch, pass the same `out` with `offset = i * 3 * H * W`.
 */
export function imageToTensor(img: RgbImage, o: TensorLayoutOptions): Float32Array {
  assertRgbImage(img, 'imageToTensor');
  if (o.layout !== 'nchw' && o.layout !== 'nhwc') {
    throw new InvalidArgumentError(`imageToTensor: layout must be 'nchw' or 'nhwc', got ${String(o.layout)}`);
  }
  if (o.channelOrder !== 'rgb' && o.channelOrder !== 'bgr') {
    throw new InvalidArgumentError(`imageToTensor: channelOrder must be 'rgb' or 'bgr', got ${String(o.channelOrder)}`);
  }
  const scale = o.scale ?? 1 / 255;
  const mean = o.mean ?? [0, 0, 0];
  const std = o.std ?? [1, 1, 1];
  if (!Number.isFinite(scale) || mean.length !== 3 || std.length !== 3 || !mean.every(Number.isFinite) || !std.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new InvalidArgumentError('imageToTensor: scale, mean and std must be finite (std non-zero), mean/std of length 3');
  }
  const n = img.width * img.height;
  const offset = o.offset ?? 0;
  assertNonNegativeInt(offset, 'imageToTensor: offset');
  const out = o.out ?? new Float32Array(offset + n * 3);
  if (!(out instanceof Float32Array) || out.length < offset + n * 3) {
    throw new InvalidArgumentError(`imageToTensor: out must be a Float32Array with at least ${offset + n * 3} elements`);
  }
  // Fold everything into y = x * a[c] + b[c] per OUTPUT channel, then index the source
  // channel that feeds it.
  const a0 = scale / std[0], a1 = scale / std[1], a2 = scale / std[2];
  const b0 = -mean[0] / std[0], b1 = -mean[1] / std[1], b2 = -mean[2] / std[2];
  const bgr = o.channelOrder === 'bgr';
  const s0 = bgr ? 2 : 0;
  const s2 = bgr ? 0 : 2;
  const src = img.data;
  if (o.layout === 'nchw') {
    const p1 = offset + n;
    const p2 = offset + 2 * n;
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[offset + i] = src[j + s0] * a0 + b0;
      out[p1 + i] = src[j + 1] * a1 + b1;
      out[p2 + i] = src[j + s2] * a2 + b2;
    }
  } else {
    for (let j = 0, k = offset; j < n * 3; j += 3, k += 3) {
      out[k] = src[j + s0] * a0 + b0;
      out[k + 1] = src[j + 1] * a1 + b1;
      out[k + 2] = src[j + s2] * a2 + b2;
    }
  }
  return out;
}
