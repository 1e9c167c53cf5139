import { InvalidArgumentError } from '@modelkit/core';
import type { SeededRng } from '../data/seeded-rng';
import { adjustBrightness, adjustContrast, adjustSaturation } from './color-jitter';
import type { FloatImage, ImageTransform } from './float-image';
import { centredAffine, warpAffine } from './warp-affine';

/** An op of the RandAugment/AutoAugment pool: strength `level` in [0, 1] (the magnitude scaled). */
type PoolOp = (img: FloatImage, level: number, rng: SeededRng) => FloatImage;

const signed = (v: number, rng: SeededRng): number => (rng.chance(0.5) ? -v : v);
const map = (img: FloatImage, f: (v: number) => number): FloatImage => ({ ...img, data: img.data.map(f) });
const affine = (img: FloatImage, opts: Parameters<typeof centredAffine>[2]): FloatImage =>
  warpAffine(img, centredAffine(img.width, img.height, opts), img.width, img.height, 0.5);

function autoContrast(img: FloatImage): FloatImage {
  const { data, channels: c } = img;
  const out = new Float32Array(data.length);
  for (let k = 0; k < c; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k; i < data.length; i += c) {
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    const scale = hi > lo ? 1 / (hi - lo) : 1;
    for (let i = k; i < data.length; i += c) out[i] = hi > lo ? (data[i] - lo) * scale : data[i];
  }
  return { ...img, data: out };
}

function sharpness(img: FloatImage, f: number): FloatImage {
  // Blend with a 3×3 smoothing of the interior (PIL's ImageEnhance.Sharpness kernel).
  const { data, width: w, height: h, channels: c } = img;
  const out = data.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += data[((y + dy) * w + x + dx) * c + k] * (dx === 0 && dy === 0 ? 5 : 1);
        const smooth = s / 13;
        const i = (y * w + x) * c + k;
        out[i] = Math.min(1, Math.max(0, smooth + (data[i] - smooth) * f));
      }
    }
  }
  return { ...img, data: out };
}

/**
 * The RandAugment pool (Cubuk et al. 2019) with magnitude ranges of the paper's
 * reference implementation; `level` = M / 30. Fill for geometric ops is mid-grey.
 */
const POOL: Record<string, PoolOp> = {
  identity: (img) => img,
  autoContrast: (img) => autoContrast(img),
  rotate: (img, l, rng) => affine(img, { degrees: signed(30 * l, rng) }),
  solarize: (img, l) => {
    const t = 1 - l;
    return map(img, (v) => (v >= t ? 1 - v : v));
  },
  posterize: (img, l) => {
    const levels = 2 ** Math.max(1, Math.round(8 - 4 * l));
    return map(img, (v) => Math.floor(v * levels) / levels);
  },
  color: (img, l, rng) => adjustSaturation(img, 1 + signed(0.9 * l, rng)),
  contrast: (img, l, rng) => adjustContrast(img, 1 + signed(0.9 * l, rng)),
  brightness: (img, l, rng) => adjustBrightness(img, 1 + signed(0.9 * l, rng)),
  sharpness: (img, l, rng) => sharpness(img, 1 + signed(0.9 * l, rng)),
  shearX: (img, l, rng) => affine(img, { shearX: signed(0.3 * l, rng) }),
  shearY: (img, l, rng) => affine(img, { shearY: signed(0.3 * l, rng) }),
  translateX: (img, l, rng) => affine(img, { tx: signed(0.45 * l * img.width, rng) }),
  translateY: (img, l, rng) => affine(img, { ty: signed(0.45 * l * img.height, rng) }),
};

/** Names of the ops RandAugment draws from. */
export const RAND_AUGMENT_OPS: readonly string[] = Object.freeze(Object.keys(POOL));

/** Options of {@link randAugment}. */
export interface RandAugmentOptions {
  /** Ops applied per image, each drawn uniformly with replacement. Default 2. */
  n?: number;
  /** Magnitude 0..30 shared by all ops. Default 9. */
  m?: number;
  /** Restrict the pool, e.g. without ops that break your labels. Default: all. */
  ops?: readonly string[];
}

/** RandAugment: `n` random ops of the pool, all at magnitude `m` (of 30). */
export function randAugment(options: RandAugmentOptions = {}): ImageTransform {
  const n = options.n ?? 2;
  const m = options.m ?? 9;
  const names = options.ops ?? RAND_AUGMENT_OPS;
  for (const name of names) if (!(name in POOL)) throw new InvalidArgumentError(`randAugment: unknown op "${name}" (known: ${RAND_AUGMENT_OPS.join(', ')})`);
  if (!(m >= 0 && m <= 30)) throw new InvalidArgumentError(`randAugment: magnitude m must be in [0, 30], got ${m}`);
  const level = m / 30;
  return (img, rng) => {
    let out = img;
    for (let i = 0; i < n; i++) out = POOL[names[rng.int(0, names.length - 1)]](out, level, rng);
    return out;
  };
}
