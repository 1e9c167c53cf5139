import type { FloatImage, ImageTransform } from './float-image';

/** Options of {@link colorJitter}: each a strength; 0 disables that part. */
export interface ColorJitterOptions {
  /** Brightness factor drawn from [1-b, 1+b]. */
  brightness?: number;
  /** Contrast factor drawn from [1-c, 1+c] (blend with the mean grey). */
  contrast?: number;
  /** Saturation factor drawn from [1-s, 1+s] (blend with the greyscale image). */
  saturation?: number;
  /** Hue shift drawn from [-h, h] turns, h ≤ 0.5 (rotation in YIQ space). */
  hue?: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Scales every value by `f` (clamped to [0, 1]). */
export function adjustBrightness(img: FloatImage, f: number): FloatImage {
  return { ...img, data: img.data.map((v) => clamp01(v * f)) };
}

function grey(data: Float32Array, i: number): number {
  return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
}

/** Blends with the image's mean grey: `f = 0` gives flat grey, `1` the input. */
export function adjustContrast(img: FloatImage, f: number): FloatImage {
  const { data, channels: c } = img;
  let mean = 0;
  const n = data.length / c;
  for (let i = 0; i < data.length; i += c) mean += c >= 3 ? grey(data, i) : data[i];
  mean /= n;
  return { ...img, data: data.map((v) => clamp01(mean + (v - mean) * f)) };
}

/** Blends with the greyscale image: `f = 0` gives grey, `1` the input. RGB only. */
export function adjustSaturation(img: FloatImage, f: number): FloatImage {
  const { data, channels: c } = img;
  if (c < 3) return img;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += c) {
    const g = grey(data, i);
    for (let k = 0; k < c; k++) out[i + k] = k < 3 ? clamp01(g + (data[i + k] - g) * f) : data[i + k];
  }
  return { ...img, data: out };
}

/** Rotates hue by `turns` (1 = 360°) in YIQ space, which keeps luma. RGB only. */
export function adjustHue(img: FloatImage, turns: number): FloatImage {
  const { data, channels: c } = img;
  if (c < 3) return img;
  const cos = Math.cos(turns * 2 * Math.PI);
  const sin = Math.sin(turns * 2 * Math.PI);
  const out = new Float32Array(data.length);
  for (let p = 0; p < data.length; p += c) {
    const r = data[p];
    const g = data[p + 1];
    const b = data[p + 2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    const i0 = 0.596 * r - 0.274 * g - 0.322 * b;
    const q0 = 0.211 * r - 0.523 * g + 0.312 * b;
    const i = i0 * cos - q0 * sin;
    const q = i0 * sin + q0 * cos;
    out[p] = clamp01(y + 0.956 * i + 0.621 * q);
    out[p + 1] = clamp01(y - 0.272 * i - 0.647 * q);
    out[p + 2] = clamp01(y - 1.106 * i + 1.703 * q);
    for (let k = 3; k < c; k++) out[p + k] = data[p + k];
  }
  return { ...img, data: out };
}

/** Random brightness, contrast, saturation and hue, applied in a random order (torchvision's ColorJitter). */
export function colorJitter(options: ColorJitterOptions): ImageTransform {
  const { brightness = 0, contrast = 0, saturation = 0, hue = 0 } = options;
  return (img, rng) => {
    let out = img;
    for (const op of rng.permutation(4)) {
      if (op === 0 && brightness > 0) out = adjustBrightness(out, rng.uniform(1 - brightness, 1 + brightness));
      if (op === 1 && contrast > 0) out = adjustContrast(out, rng.uniform(1 - contrast, 1 + contrast));
      if (op === 2 && saturation > 0) out = adjustSaturation(out, rng.uniform(1 - saturation, 1 + saturation));
      if (op === 3 && hue > 0) out = adjustHue(out, rng.uniform(-hue, hue));
    }
    return out;
  };
}
