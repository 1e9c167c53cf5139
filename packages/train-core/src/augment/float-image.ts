import type { RgbImage } from '@modelkit/core';
import type { SeededRng } from '../data/seeded-rng';

/**
 * An image as floats, packed HWC, values in [0, 1]: the form augmentations work on, so
 * chained ops do not round to 8 bits after each one.
 */
export interface FloatImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** An augmentation: returns a new image (or the input, unchanged), drawing from `rng` only. */
export type ImageTransform = (img: FloatImage, rng: SeededRng) => FloatImage;

/** Core's 8-bit RGB image to a FloatImage in [0, 1]. */
export function rgbToFloat(img: RgbImage): FloatImage {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] / 255;
  return { data, width: img.width, height: img.height, channels: 3 };
}

/** Applies transforms in order. */
export function compose(...transforms: ImageTransform[]): ImageTransform {
  return (img, rng) => transforms.reduce((acc, t) => t(acc, rng), img);
}

/** Applies `transform` with probability `p`. */
export function randomApply(transform: ImageTransform, p: number): ImageTransform {
  return (img, rng) => (rng.chance(p) ? transform(img, rng) : img);
}
