import { InvalidArgumentError } from '@modelkit/core';
import { SeededRng } from './seeded-rng';

/** The shape classes {@link generateShapes} draws, in label order. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'cross'] as const;

/** Options of {@link generateShapes}. */
export interface GenerateShapesOptions {
  /** Number of images; classes are balanced (round-robin). */
  count: number;
  /** Side of the square images. Default 32. */
  size?: number;
  /** How many of {@link SHAPE_CLASSES} to use (2–4). Default 4. */
  numClasses?: number;
  seed?: number;
}

/** Generated images (`[count, size, size, 3]`, values in [0, 1]) and their labels. */
export interface ShapesData {
  images: Float32Array;
  labels: Int32Array;
  size: number;
  classNames: string[];
}

/**
 * Draws a labelled toy classification set: one circle, square, triangle or cross per
 * image, at a random position, size and colour on a random noisy background. Being
 * generated from a seed, it gives tests and examples a real learning problem without any
 * data file.
 */
export function generateShapes(options: GenerateShapesOptions): ShapesData {
  const size = options.size ?? 32;
  const numClasses = options.numClasses ?? 4;
  if (!(numClasses >= 2 && numClasses <= SHAPE_CLASSES.length)) {
    throw new InvalidArgumentError(`generateShapes: numClasses must be 2..${SHAPE_CLASSES.length}, got ${numClasses}`);
  }
  if (!(Number.isInteger(options.count) && options.count > 0)) throw new InvalidArgumentError(`generateShapes: count must be a positive integer`);
  const rng = new SeededRng(options.seed ?? 1);
  const images = new Float32Array(options.count * size * size * 3);
  const labels = new Int32Array(options.count);
  for (let n = 0; n < options.count; n++) {
    const label = n % numClasses;
    labels[n] = label;
    const bg = [rng.next(), rng.next(), rng.next()];
    let fg: number[];
    // A shape must stand out from its background, or the label is unlearnable noise.
    do fg = [rng.next(), rng.next(), rng.next()];
    while (Math.abs(fg[0] - bg[0]) + Math.abs(fg[1] - bg[1]) + Math.abs(fg[2] - bg[2]) < 0.6);
    const r = rng.uniform(size * 0.2, size * 0.4);
    const cx = rng.uniform(r, size - r);
    const cy = rng.uniform(r, size - r);
    const inside = shapeTest(SHAPE_CLASSES[label], cx, cy, r, rng.uniform(0.22, 0.35));
    const base = n * size * size * 3;
    // Pixel noise from an inlined xorshift32 seeded by the main generator: millions of
    // draws, and a method call per draw was the bulk of the generation time.
    let noise = rng.nextUint32() | 1;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        // 2×2 supersampling softens edges so shapes are not pixel-exact templates.
        let cover = 0;
        for (let s = 0; s < 8; s += 2) if (inside(x + SUBPIXELS[s], y + SUBPIXELS[s + 1])) cover += 0.25;
        const o = base + (y * size + x) * 3;
        for (let k = 0; k < 3; k++) {
          noise ^= noise << 13;
          noise ^= noise >>> 17;
          noise ^= noise << 5;
          const v = bg[k] * (1 - cover) + fg[k] * cover + ((noise >>> 0) / 4294967296 - 0.5) * 0.1;
          images[o + k] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  return { images, labels, size, classNames: SHAPE_CLASSES.slice(0, numClasses) };
}

/** x, y offsets of the 2×2 subpixel samples. */
const SUBPIXELS = [0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75];

function shapeTest(kind: (typeof SHAPE_CLASSES)[number], cx: number, cy: number, r: number, arm: number): (x: number, y: number) => boolean {
  switch (kind) {
    case 'circle':
      return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    case 'square': {
      const h = r * 0.85;
      return (x, y) => Math.abs(x - cx) <= h && Math.abs(y - cy) <= h;
    }
    case 'triangle': {
      // Upright triangle inscribed in the circle of radius r.
      const top = cy - r;
      const bottom = cy + r * 0.5;
      const half = r * 0.866;
      return (x, y) => y >= top && y <= bottom && Math.abs(x - cx) <= (half * (y - top)) / (bottom - top);
    }
    case 'cross': {
      const w = r * arm;
      return (x, y) => (Math.abs(x - cx) <= w && Math.abs(y - cy) <= r) || (Math.abs(y - cy) <= w && Math.abs(x - cx) <= r);
    }
  }
}
