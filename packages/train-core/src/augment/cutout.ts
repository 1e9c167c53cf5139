import type { ImageTransform } from './float-image';

/** Options of {@link cutout}. */
export interface CutoutOptions {
  /** Side of each square hole in pixels. */
  size: number;
  /** Number of holes. Default 1. */
  count?: number;
  /** Value written into the holes. Default 0. */
  fill?: number;
}

/**
 * Cutout (DeVries & Taylor): squares of `size` centred at random pixels are set to
 * `fill`; holes may hang over the border, as in the paper.
 */
export function cutout(options: CutoutOptions): ImageTransform {
  const count = options.count ?? 1;
  const fill = options.fill ?? 0;
  return (img, rng) => {
    const { width: w, height: h, channels: c } = img;
    const data = img.data.slice();
    for (let n = 0; n < count; n++) {
      const cx = rng.int(0, w - 1);
      const cy = rng.int(0, h - 1);
      const x0 = Math.max(0, cx - Math.floor(options.size / 2));
      const y0 = Math.max(0, cy - Math.floor(options.size / 2));
      const x1 = Math.min(w, cx - Math.floor(options.size / 2) + options.size);
      const y1 = Math.min(h, cy - Math.floor(options.size / 2) + options.size);
      for (let y = y0; y < y1; y++) data.fill(fill, (y * w + x0) * c, (y * w + x1) * c);
    }
    return { ...img, data };
  };
}
