/**
 * Segmentation augmentations applied jointly to an image and its label map, with
 * PaddleSeg's names and defaults (`paddleseg/transforms/transforms.py`). Geometric
 * transforms move image and mask with the same pixel mapping (image bilinear, mask nearest,
 * so labels never blend); pixels brought in from outside the image get the image padding
 * value and the label {@link IGNORE_INDEX}, so padding never counts as background.
 * Colour transforms touch the image only. Every random draw comes from the `SeededRng` the
 * data loader hands each sample, so a seed replays the same augmentation.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { SeededRng } from '../data/seeded-rng';
import { warpAffine, type InverseAffine } from '../augment/warp-affine';
import { IGNORE_INDEX, type SegSample } from './seg-sample';

/** One joint transform: a new sample (or the input itself when nothing changed). */
export type SegTransform = (sample: SegSample, rng: SeededRng) => SegSample;

/** Applies transforms in order (PaddleSeg's `Compose`). */
export function composeSeg(transforms: SegTransform[]): SegTransform {
  return (s, rng) => transforms.reduce((acc, t) => t(acc, rng), s);
}

/**
 * Maps every output pixel back into the input through the 2×3 affine `inv` (output pixel
 * centre → input coordinates) and samples image (bilinear, train-core's `warpAffine`) and
 * mask (nearest, with the same mapping).
 * @internal
 */
function warpSample(s: SegSample, outW: number, outH: number, inv: InverseAffine, imPad: number, labelPad: number): SegSample {
  const { width: w, height: h, mask } = s;
  const image = warpAffine({ data: s.image, width: w, height: h, channels: 3 }, inv, outW, outH, imPad).data;
  const outMask = new Uint8Array(outW * outH);
  const [a, b, c, d, e, f] = inv;
  for (let y = 0; y < outH; y++) {
    const cy = y + 0.5;
    for (let x = 0; x < outW; x++) {
      const cx = x + 0.5;
      // Input coordinates of this pixel's centre, in pixel-index units.
      const nx = Math.round(a * cx + b * cy + c - 0.5);
      const ny = Math.round(d * cx + e * cy + f - 0.5);
      outMask[y * outW + x] = nx >= 0 && nx < w && ny >= 0 && ny < h ? mask[ny * w + nx]! : labelPad;
    }
  }
  return { image, mask: outMask, width: outW, height: outH };
}

/**
 * Stretches a label map to `outW`×`outH` by nearest neighbour, with {@link warpSample}'s
 * pixel-centre mapping (so it stays aligned with the image stretched the same way). For
 * masks alone: no image to warp alongside.
 * @internal
 */
export function resizeMask(mask: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  if (w === outW && h === outH) return mask;
  const nearest = (i: number, from: number, to: number): number => Math.min(from - 1, Math.max(0, Math.round(((i + 0.5) * from) / to - 0.5)));
  const cols = Int32Array.from({ length: outW }, (_, x) => nearest(x, w, outW));
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const row = nearest(y, h, outH) * w;
    for (let x = 0; x < outW; x++) out[y * outW + x] = mask[row + cols[x]!]!;
  }
  return out;
}

/** Stretches a sample to `width`×`height` (image bilinear, mask nearest). @internal */
export function resizeSample(s: SegSample, width: number, height: number): SegSample {
  if (s.width === width && s.height === height) return s;
  return warpSample(s, width, height, [s.width / width, 0, 0, 0, s.height / height, 0], 0, IGNORE_INDEX);
}

/** Copies the `w`×`h` window at (`x0`, `y0`) (inside the sample). @internal */
function cropSample(s: SegSample, x0: number, y0: number, w: number, h: number): SegSample {
  const image = new Float32Array(w * h * 3);
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const src = (y0 + y) * s.width + x0;
    image.set(s.image.subarray(src * 3, (src + w) * 3), y * w * 3);
    mask.set(s.mask.subarray(src, src + w), y * w);
  }
  return { image, mask, width: w, height: h };
}

/** Pads right and bottom to at least `w`×`h`. @internal */
function padSample(s: SegSample, w: number, h: number, imPad: number, labelPad: number): SegSample {
  const W = Math.max(w, s.width);
  const H = Math.max(h, s.height);
  if (W === s.width && H === s.height) return s;
  const image = new Float32Array(W * H * 3).fill(imPad);
  const mask = new Uint8Array(W * H).fill(labelPad);
  for (let y = 0; y < s.height; y++) {
    image.set(s.image.subarray(y * s.width * 3, (y + 1) * s.width * 3), y * W * 3);
    mask.set(s.mask.subarray(y * s.width, (y + 1) * s.width), y * W);
  }
  return { image, mask, width: W, height: H };
}

function size2(v: number | [number, number], what: string): [number, number] {
  const [w, h] = typeof v === 'number' ? [v, v] : v;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new InvalidArgumentError(`${what} must be positive integers, got ${JSON.stringify(v)}`);
  return [w, h];
}

/** `Resize(target_size=(512, 512))`: stretch to `[width, height]`. */
function resize(options: { targetSize?: number | [number, number] } = {}): SegTransform {
  const [w, h] = size2(options.targetSize ?? 512, 'Resize targetSize');
  return (s) => resizeSample(s, w, h);
}

/**
 * `ResizeStepScaling(min_scale_factor=0.75, max_scale_factor=1.25, scale_step_size=0.25)`:
 * scale by a factor drawn from the steps between min and max (uniform when the step is 0).
 */
export function resizeStepScaling(options: { minScaleFactor?: number; maxScaleFactor?: number; scaleStepSize?: number } = {}): SegTransform {
  const min = options.minScaleFactor ?? 0.75;
  const max = options.maxScaleFactor ?? 1.25;
  const step = options.scaleStepSize ?? 0.25;
  if (!(min > 0 && max >= min && step >= 0)) throw new InvalidArgumentError(`ResizeStepScaling: need 0 < min <= max and step >= 0, got ${min}, ${max}, ${step}`);
  return (s, rng) => {
    let scale: number;
    if (min === max) scale = min;
    else if (step === 0) scale = rng.uniform(min, max);
    else scale = min + step * rng.int(0, Math.round((max - min) / step));
    return resizeSample(s, Math.max(1, Math.round(s.width * scale)), Math.max(1, Math.round(s.height * scale)));
  };
}

/**
 * `RandomPaddingCrop(crop_size=(512, 512), im_padding_value=127.5, label_padding_value=255)`:
 * pad right/bottom up to the crop size, then crop a random window of that size.
 */
export function randomPaddingCrop(options: { cropSize?: number | [number, number]; imPaddingValue?: number; labelPaddingValue?: number } = {}): SegTransform {
  const [cw, ch] = size2(options.cropSize ?? 512, 'RandomPaddingCrop cropSize');
  const imPad = options.imPaddingValue ?? 127.5;
  const labelPad = options.labelPaddingValue ?? IGNORE_INDEX;
  return (s, rng) => {
    const p = padSample(s, cw, ch, imPad, labelPad);
    if (p.width === cw && p.height === ch) return p;
    return cropSample(p, rng.int(0, p.width - cw), rng.int(0, p.height - ch), cw, ch);
  };
}

function flip(s: SegSample, horizontal: boolean): SegSample {
  const { width: w, height: h } = s;
  const image = new Float32Array(s.image.length);
  const mask = new Uint8Array(s.mask.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = horizontal ? y * w + (w - 1 - x) : (h - 1 - y) * w + x;
      const dst = y * w + x;
      mask[dst] = s.mask[src];
      image[dst * 3] = s.image[src * 3];
      image[dst * 3 + 1] = s.image[src * 3 + 1];
      image[dst * 3 + 2] = s.image[src * 3 + 2];
    }
  }
  return { image, mask, width: w, height: h };
}

/** `RandomHorizontalFlip(prob=0.5)`. */
export function randomHorizontalFlip(options: { prob?: number } = {}): SegTransform {
  const prob = options.prob ?? 0.5;
  return (s, rng) => (rng.chance(prob) ? flip(s, true) : s);
}

/** `RandomVerticalFlip(prob=0.1)`. */
function randomVerticalFlip(options: { prob?: number } = {}): SegTransform {
  const prob = options.prob ?? 0.1;
  return (s, rng) => (rng.chance(prob) ? flip(s, false) : s);
}

/** Inverse (output → input) of the forward affine `[a b c; d e f]`. */
function invertAffine([a, b, c, d, e, f]: readonly number[]): InverseAffine {
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/**
 * `RandomRotation(max_rotation=15, im_padding_value=127.5, label_padding_value=255)`:
 * rotate about the centre by an angle in ±max degrees onto a canvas that holds the whole
 * rotated image (PaddleSeg grows the canvas the same way).
 */
export function randomRotation(options: { maxRotation?: number; imPaddingValue?: number; labelPaddingValue?: number } = {}): SegTransform {
  const max = options.maxRotation ?? 15;
  const imPad = options.imPaddingValue ?? 127.5;
  const labelPad = options.labelPaddingValue ?? IGNORE_INDEX;
  return (s, rng) => {
    if (!(max > 0)) return s;
    const deg = rng.uniform(-max, max);
    const t = (deg * Math.PI) / 180;
    const cos = Math.cos(t);
    const sin = Math.sin(t);
    const nw = Math.round(s.height * Math.abs(sin) + s.width * Math.abs(cos));
    const nh = Math.round(s.height * Math.abs(cos) + s.width * Math.abs(sin));
    // Forward: move the centre to the origin, rotate (counter-clockwise on screen, as cv2), move to the new centre.
    const fwd = [cos, sin, nw / 2 - (cos * s.width) / 2 - (sin * s.height) / 2, -sin, cos, nh / 2 + (sin * s.width) / 2 - (cos * s.height) / 2];
    return warpSample(s, nw, nh, invertAffine(fwd), imPad, labelPad);
  };
}

/**
 * `RandomScaleAspect(min_scale=0.5, aspect_ratio=0.33)`: crop a random window of
 * min_scale…1 of the area with aspect ratio in [r, 1/r] (10 tries) and stretch it back
 * to the sample's size.
 */
export function randomScaleAspect(options: { minScale?: number; aspectRatio?: number } = {}): SegTransform {
  const minScale = options.minScale ?? 0.5;
  const ratio = options.aspectRatio ?? 0.33;
  return (s, rng) => {
    if (minScale === 0 || ratio === 0) return s;
    const area = s.width * s.height;
    for (let i = 0; i < 10; i++) {
      const target = area * rng.uniform(minScale, 1);
      const aspect = rng.uniform(ratio, 1 / ratio);
      let dw = Math.floor(Math.sqrt(target * aspect));
      let dh = Math.floor(Math.sqrt(target / aspect));
      if (rng.chance(0.5)) [dw, dh] = [dh, dw];
      if (dh < s.height && dw < s.width && dw > 0 && dh > 0) {
        const crop = cropSample(s, rng.int(0, s.width - dw), rng.int(0, s.height - dh), dw, dh);
        return resizeSample(crop, s.width, s.height);
      }
    }
    return s;
  };
}

/** Options of {@link randomDistort} (PaddleSeg's defaults). */
export interface RandomDistortOptions {
  brightnessRange?: number;
  brightnessProb?: number;
  contrastRange?: number;
  contrastProb?: number;
  saturationRange?: number;
  saturationProb?: number;
  /** Degrees. */
  hueRange?: number;
  hueProb?: number;
  sharpnessRange?: number;
  sharpnessProb?: number;
}

/**
 * `RandomDistort(brightness_range=0.5, brightness_prob=0.5, contrast_range=0.5,
 * contrast_prob=0.5, saturation_range=0.5, saturation_prob=0.5, hue_range=18, hue_prob=0.5,
 * sharpness_range=0.5, sharpness_prob=0)`: colour changes in a random order; image only.
 */
export function randomDistort(options: RandomDistortOptions = {}): SegTransform {
  const o = {
    brightnessRange: 0.5, brightnessProb: 0.5, contrastRange: 0.5, contrastProb: 0.5, saturationRange: 0.5, saturationProb: 0.5,
    hueRange: 18, hueProb: 0.5, sharpnessRange: 0.5, sharpnessProb: 0, ...options,
  };
  type Op = (img: Float32Array, s: SegSample, rng: SeededRng) => void;
  const ops: { prob: number; op: Op }[] = [
    {
      prob: o.brightnessProb,
      op: (img, _s, rng) => {
        const k = rng.uniform(1 - o.brightnessRange, 1 + o.brightnessRange);
        for (let i = 0; i < img.length; i++) img[i] *= k;
      },
    },
    {
      prob: o.contrastProb,
      op: (img, _s, rng) => {
        const k = rng.uniform(1 - o.contrastRange, 1 + o.contrastRange);
        let mean = 0;
        for (let i = 0; i < img.length; i += 3) mean += 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
        mean /= img.length / 3;
        for (let i = 0; i < img.length; i++) img[i] = mean + k * (img[i] - mean);
      },
    },
    {
      prob: o.saturationProb,
      op: (img, _s, rng) => {
        const k = rng.uniform(1 - o.saturationRange, 1 + o.saturationRange);
        for (let i = 0; i < img.length; i += 3) {
          const g = 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
          for (let c = 0; c < 3; c++) img[i + c] = g + k * (img[i + c] - g);
        }
      },
    },
    {
      prob: o.hueProb,
      op: (img, _s, rng) => {
        // Hue rotation about the grey axis (the YIQ rotation), an RGB-space equivalent of shifting H in HSV.
        const t = (rng.uniform(-o.hueRange, o.hueRange) * Math.PI) / 180;
        const cos = Math.cos(t);
        const sin = Math.sin(t);
        const m = [
          0.299 + 0.701 * cos + 0.168 * sin, 0.587 - 0.587 * cos + 0.330 * sin, 0.114 - 0.114 * cos - 0.497 * sin,
          0.299 - 0.299 * cos - 0.328 * sin, 0.587 + 0.413 * cos + 0.035 * sin, 0.114 - 0.114 * cos + 0.292 * sin,
          0.299 - 0.3 * cos + 1.25 * sin, 0.587 - 0.588 * cos - 1.05 * sin, 0.114 + 0.886 * cos - 0.203 * sin,
        ];
        for (let i = 0; i < img.length; i += 3) {
          const r = img[i];
          const g = img[i + 1];
          const b = img[i + 2];
          img[i] = m[0] * r + m[1] * g + m[2] * b;
          img[i + 1] = m[3] * r + m[4] * g + m[5] * b;
          img[i + 2] = m[6] * r + m[7] * g + m[8] * b;
        }
      },
    },
    {
      prob: o.sharpnessProb,
      op: (img, s, rng) => {
        const k = rng.uniform(1 - o.sharpnessRange, 1 + o.sharpnessRange);
        const smooth = boxBlur3(img, s.width, s.height);
        for (let i = 0; i < img.length; i++) img[i] = smooth[i] + k * (img[i] - smooth[i]);
      },
    },
  ];
  return (s, rng) => {
    const order = rng.permutation(ops.length);
    let img: Float32Array | undefined;
    for (const i of order) {
      if (!rng.chance(ops[i].prob)) continue;
      img ??= Float32Array.from(s.image);
      ops[i].op(img, s, rng);
      for (let j = 0; j < img.length; j++) img[j] = img[j] < 0 ? 0 : img[j] > 255 ? 255 : img[j];
    }
    return img ? { ...s, image: img } : s;
  };
}

function boxBlur3(img: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            sum += img[(yy * w + xx) * 3 + c];
            n++;
          }
        }
        out[(y * w + x) * 3 + c] = sum / n;
      }
    }
  }
  return out;
}

/** Separable Gaussian blur of an HWC float image (edges replicated). @internal */
function gaussianBlur(img: Float32Array, w: number, h: number, ksize: number): Float32Array {
  // cv2's sigma for a given kernel size when sigma is 0.
  const sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
  const r = (ksize - 1) / 2;
  const k = Array.from({ length: ksize }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = k.reduce((a, b) => a + b, 0);
  const kern = k.map((v) => v / total);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let i = 0; i < ksize; i++) {
            const xx = horizontal ? Math.min(Math.max(x + i - r, 0), w - 1) : x;
            const yy = horizontal ? y : Math.min(Math.max(y + i - r, 0), h - 1);
            sum += kern[i] * src[(yy * w + xx) * 3 + c];
          }
          out[(y * w + x) * 3 + c] = sum;
        }
      }
    }
    return out;
  };
  return pass(pass(img, true), false);
}

/**
 * `RandomBlur(prob=0.1, blur_type='gaussian')`: with probability ~prob (PaddleSeg draws
 * `randint(0, int(1/prob)) == 0`), a Gaussian blur with an odd kernel of 3–9 px; image only.
 */
export function randomBlur(options: { prob?: number } = {}): SegTransform {
  const prob = options.prob ?? 0.1;
  return (s, rng) => {
    if (prob <= 0) return s;
    const n = prob >= 1 ? 1 : Math.floor(1 / prob);
    if (prob < 1 && rng.int(0, n) !== 0) return s;
    let ksize = rng.int(3, 9);
    if (ksize % 2 === 0) ksize++;
    return { ...s, image: gaussianBlur(s.image, s.width, s.height, ksize) };
  };
}

/** `RandomNoise(prob=0.5, max_sigma=10.0)`: Gaussian pixel noise with σ in [0, max); image only. */
export function randomNoise(options: { prob?: number; maxSigma?: number } = {}): SegTransform {
  const prob = options.prob ?? 0.5;
  const maxSigma = options.maxSigma ?? 10;
  return (s, rng) => {
    if (!rng.chance(prob)) return s;
    const sigma = rng.next() * maxSigma;
    const img = new Float32Array(s.image.length);
    for (let i = 0; i < img.length; i++) {
      const v = s.image[i] + sigma * rng.normal();
      img[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return { ...s, image: img };
  };
}

/** Options of {@link randomAffine} (PaddleSeg's defaults). */
export interface RandomAffineOptions {
  /** Output `[width, height]`. Default 224×224. */
  size?: number | [number, number];
  translationOffset?: number;
  maxRotation?: number;
  minScaleFactor?: number;
  maxScaleFactor?: number;
  imPaddingValue?: number;
  labelPaddingValue?: number;
}

/**
 * `RandomAffine(size=(224, 224), translation_offset=0, max_rotation=15,
 * min_scale_factor=0.75, max_scale_factor=1.25, im_padding_value=128,
 * label_padding_value=255)`: fit the image into `size`, then rotate, scale and shift it
 * about the centre by random amounts.
 */
function randomAffine(options: RandomAffineOptions = {}): SegTransform {
  const [ow, oh] = size2(options.size ?? 224, 'RandomAffine size');
  const offset = options.translationOffset ?? 0;
  const maxRot = options.maxRotation ?? 15;
  const minS = options.minScaleFactor ?? 0.75;
  const maxS = options.maxScaleFactor ?? 1.25;
  const imPad = options.imPaddingValue ?? 128;
  const labelPad = options.labelPaddingValue ?? IGNORE_INDEX;
  return (s, rng) => {
    const tx = rng.uniform(-offset, offset);
    const ty = rng.uniform(-offset, offset);
    const scale = Math.min(ow / s.width, oh / s.height) * rng.uniform(minS, maxS);
    const t = (rng.uniform(-maxRot, maxRot) * Math.PI) / 180;
    const a = scale * Math.cos(t);
    const b = scale * Math.sin(t);
    const cx = s.width / 2;
    const cy = s.height / 2;
    const fwd = [a, b, ow / 2 + tx - a * cx - b * cy, -b, a, oh / 2 + ty + b * cx - a * cy];
    return warpSample(s, ow, oh, invertAffine(fwd), imPad, labelPad);
  };
}

/** `Padding(target_size, im_padding_value=127.5, label_padding_value=255)`: pad right/bottom to `target_size`. */
function padding(options: { targetSize: number | [number, number]; imPaddingValue?: number; labelPaddingValue?: number }): SegTransform {
  const [w, h] = size2(options.targetSize, 'Padding targetSize');
  const imPad = options.imPaddingValue ?? 127.5;
  const labelPad = options.labelPaddingValue ?? IGNORE_INDEX;
  return (s) => {
    if (s.width > w || s.height > h) throw new InvalidArgumentError(`Padding: the image (${s.width}x${s.height}) is larger than target_size ${w}x${h}`);
    return padSample(s, w, h, imPad, labelPad);
  };
}

/**
 * `Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))`: `(image/255 − mean) / std`.
 * train seg uses `mean 0, std 1` (RGB/255): the pretrained MobileNetV2 learnt on [0, 1] and
 * a model card records one `scale`, not a mean.
 */
function normalize(options: { mean?: [number, number, number]; std?: [number, number, number] } = {}): SegTransform {
  const mean = options.mean ?? [0.5, 0.5, 0.5];
  const std = options.std ?? [0.5, 0.5, 0.5];
  if (std.some((v) => !(v > 0))) throw new InvalidArgumentError(`Normalize: std must be > 0, got ${JSON.stringify(std)}`);
  return (s) => {
    const img = new Float32Array(s.image.length);
    for (let i = 0; i < img.length; i++) img[i] = (s.image[i] / 255 - mean[i % 3]) / std[i % 3];
    return { ...s, image: img };
  };
}

/** The PaddleSeg transform names this module implements, mapped to their factories. */
export const SEG_TRANSFORMS = {
  Resize: resize,
  ResizeStepScaling: resizeStepScaling,
  RandomPaddingCrop: randomPaddingCrop,
  RandomHorizontalFlip: randomHorizontalFlip,
  RandomVerticalFlip: randomVerticalFlip,
  RandomRotation: randomRotation,
  RandomScaleAspect: randomScaleAspect,
  RandomDistort: randomDistort,
  RandomBlur: randomBlur,
  RandomNoise: randomNoise,
  RandomAffine: randomAffine,
  Padding: padding,
  Normalize: normalize,
} as const;
