/**
 * Drawn segmentation data for tests and demos: shapes of known classes with their exact
 * label maps, from a seed, with no files (the evaluation images never become fixtures).
 */
import { SeededRng } from '../data/seeded-rng';
import type { SegSample } from './seg-sample';

/** Class names of {@link drawSegShapes}: index 0 is the background. */
export const SEG_SHAPE_CLASSES = ['background', 'disc', 'box', 'triangle'] as const;

/** Options of {@link drawSegShapes}. */
export interface DrawSegShapesOptions {
  /** Image side. Default 64. */
  size?: number;
  /** Shape classes to use (1 … 3). Default 2 (discs and boxes). */
  classes?: number;
  /** Shapes per image. Default 2. */
  shapesPerImage?: number;
  seed?: number;
}

/**
 * `count` images of 1–`shapesPerImage` filled shapes (disc = 1, axis-aligned box = 2,
 * triangle = 3) on a random gradient with pixel noise; each shape's colour is random, so
 * the class is told by form, not colour. Later shapes overdraw earlier ones in image and mask alike.
 */
export function drawSegShapes(count: number, options: DrawSegShapesOptions = {}): SegSample[] {
  const size = options.size ?? 64;
  const classes = Math.min(3, Math.max(1, options.classes ?? 2));
  const perImage = options.shapesPerImage ?? 2;
  const rng = new SeededRng(options.seed ?? 1);
  const out: SegSample[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Float32Array(size * size * 3);
    const mask = new Uint8Array(size * size);
    const c0 = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    const c1 = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const t = (x + y) / (2 * size);
        for (let c = 0; c < 3; c++) image[(y * size + x) * 3 + c] = c0[c] * (1 - t) + c1[c] * t;
      }
    }
    const shapes = rng.int(1, perImage);
    for (let s = 0; s < shapes; s++) {
      const cls = 1 + ((n + s) % classes);
      const r = rng.uniform(size * 0.12, size * 0.25);
      const cx = rng.uniform(r, size - r);
      const cy = rng.uniform(r, size - r);
      // Keep shape and background apart in brightness so tiny nets learn in a few steps.
      const bg = (c0[0] + c0[1] + c0[2] + c1[0] + c1[1] + c1[2]) / 6;
      const base = bg > 128 ? rng.uniform(0, 70) : rng.uniform(185, 255);
      const col = [base, Math.min(255, base + rng.uniform(-30, 30)), Math.min(255, base + rng.uniform(-30, 30))];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const px = x + 0.5 - cx;
          const py = y + 0.5 - cy;
          let inside: boolean;
          if (cls === 1) inside = px * px + py * py <= r * r;
          else if (cls === 2) inside = Math.abs(px) <= r * 0.8 && Math.abs(py) <= r * 0.8;
          else inside = py <= r * 0.6 && py >= -r && Math.abs(px) <= ((py + r) / (1.6 * r)) * r;
          if (!inside) continue;
          mask[y * size + x] = cls;
          for (let c = 0; c < 3; c++) image[(y * size + x) * 3 + c] = col[c];
        }
      }
    }
    for (let i = 0; i < image.length; i++) image[i] = Math.min(255, Math.max(0, image[i] + rng.uniform(-8, 8)));
    out.push({ image, mask, width: size, height: size });
  }
  return out;
}
