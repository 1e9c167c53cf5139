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
  const plan = planTensor(img.width, img.height, o, 'imageToTensor');
  fillTensorPixels(img.data, 0, img.width * img.height, plan, 0);
  return plan.out;
}

/**
 * @internal Validated `TensorLayoutOptions` folded into `y = x * a[c] + b[c]` per OUTPUT
 * channel, with the source channel feeding each output channel and the target array.
 */
export interface TensorPlan {
  out: Float32Array;
  offset: number;
  /** Pixels per plane (W*H). */
  n: number;
  nchw: boolean;
  a0: number; a1: number; a2: number;
  b0: number; b1: number; b2: number;
  /** Source channel of output channel 0 and 2 (0/2 for rgb, 2/0 for bgr). */
  s0: number; s2: number;
}

/** @internal Validates layout options for a `width` x `height` image and resolves `out`. */
export function planTensor(width: number, height: number, o: TensorLayoutOptions, fn: string): TensorPlan {
  if (o.layout !== 'nchw' && o.layout !== 'nhwc') {
    throw new InvalidArgumentError(`${fn}: layout must be 'nchw' or 'nhwc', got ${String(o.layout)}`);
  }
  if (o.channelOrder !== 'rgb' && o.channelOrder !== 'bgr') {
    throw new InvalidArgumentError(`${fn}: channelOrder must be 'rgb' or 'bgr', got ${String(o.channelOrder)}`);
  }
  const scale = o.scale ?? 1 / 255;
  const mean = o.mean ?? [0, 0, 0];
  const std = o.std ?? [1, 1, 1];
  if (!Number.isFinite(scale) || mean.length !== 3 || std.length !== 3 || !mean.every(Number.isFinite) || !std.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new InvalidArgumentError(`${fn}: scale, mean and std must be finite (std non-zero), mean/std of length 3`);
  }
  const n = width * height;
  const offset = o.offset ?? 0;
  assertNonNegativeInt(offset, `${fn}: offset`);
  const out = o.out ?? new Float32Array(offset + n * 3);
  if (!(out instanceof Float32Array) || out.length < offset + n * 3) {
    throw new InvalidArgumentError(`${fn}: out must be a Float32Array with at least ${offset + n * 3} elements`);
  }
  const bgr = o.channelOrder === 'bgr';
  return {
    out,
    offset,
    n,
    nchw: o.layout === 'nchw',
    a0: scale / std[0], a1: scale / std[1], a2: scale / std[2],
    b0: -mean[0] / std[0], b1: -mean[1] / std[1], b2: -mean[2] / std[2],
    s0: bgr ? 2 : 0,
    s2: bgr ? 0 : 2,
  };
}

/**
 * @internal Converts `count` RGB pixels of `src` starting at byte `srcStart` into the tensor,
 * as output pixels `first .. first + count - 1` (row-major). One formula for the whole image
 * or row by row (as `resizeToTensor` does), so both give the same floats.
 */
export function fillTensorPixels(src: Uint8Array, srcStart: number, count: number, p: TensorPlan, first: number): void {
  const { out, a0, a1, a2, b0, b1, b2 } = p;
  const s0 = srcStart + p.s0;
  const s1 = srcStart + 1;
  const s2 = srcStart + p.s2;
  if (p.nchw) {
    const p0 = p.offset + first;
    const p1 = p0 + p.n;
    const p2 = p1 + p.n;
    for (let i = 0, j = 0; i < count; i++, j += 3) {
      out[p0 + i] = src[s0 + j] * a0 + b0;
      out[p1 + i] = src[s1 + j] * a1 + b1;
      out[p2 + i] = src[s2 + j] * a2 + b2;
    }
  } else {
    const k0 = p.offset + first * 3;
    for (let j = 0; j < count * 3; j += 3) {
      out[k0 + j] = src[s0 + j] * a0 + b0;
      out[k0 + j + 1] = src[s1 + j] * a1 + b1;
      out[k0 + j + 2] = src[s2 + j] * a2 + b2;
    }
  }
}
