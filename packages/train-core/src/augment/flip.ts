import type { FloatImage, ImageTransform } from './float-image';

/** Mirrors an image left-right. */
export function flipHorizontal(img: FloatImage): FloatImage {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * c;
      const d = (y * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[d + k] = data[s + k];
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

/** Random horizontal flip with probability `p` (default 0.5). */
export function randomHorizontalFlip(p = 0.5): ImageTransform {
  return (img, rng) => (rng.chance(p) ? flipHorizontal(img) : img);
}
