/**
 * Detection samples as a train-core {@link Dataset}: decoded once into memory (shrunk to
 * what the input size can use), then rendered per draw with the sample's seeded
 * augmentation and given an ATSS target.
 */
import { loadImage, ModelkitError, resizeImage, type RgbImage } from '@modelkit/core';
import type { Dataset, Example } from '../data/dataset';
import type { SeededRng } from '../data/seeded-rng';
import { DET_TARGET_ROW, detTarget, pointGrid, type AtssOptions, type PointGrid } from './atss-assigner';
import { NO_DET_AUGMENT, renderDetImage, renderMosaic, type DetAugmentOptions, type DetImage } from './det-augment';
import type { DetSample } from './det-data';

/** Options of {@link DetDataset}. */
export interface DetDatasetOptions {
  /** Square input side (a multiple of the largest stride). */
  size: number;
  strides: readonly number[];
  /** Cell centre offset of the point grid (the det kit's `centerOffset`). Default 0.5. */
  centerOffset?: number;
  /** Boxes listed per image in the target for the AP metric. Default 100. */
  maxBoxes?: number;
  /** Training augmentation; none (letterbox) by default. */
  augment?: DetAugmentOptions;
  atss?: AtssOptions;
}

/**
 * Images with boxes as a Dataset: inputs `[size, size, 3]` RGB in [0, 1] (the pretrained
 * MobileNetV2's range), targets `[points + maxBoxes, 5]` from {@link detTarget}.
 */
export class DetDataset implements Dataset {
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];
  readonly grid: PointGrid;
  readonly maxBoxes: number;
  private readonly augment: DetAugmentOptions;

  constructor(
    readonly images: readonly DetImage[],
    private readonly options: DetDatasetOptions,
  ) {
    this.grid = pointGrid(options.size, options.size, options.strides, options.centerOffset ?? 0.5);
    this.maxBoxes = options.maxBoxes ?? 100;
    this.augment = options.augment ?? NO_DET_AUGMENT;
    this.inputShape = [options.size, options.size, 3];
    this.targetShape = [this.grid.count + this.maxBoxes, DET_TARGET_ROW];
  }

  get length(): number {
    return this.images.length;
  }

  /** The model input and boxes of sample `index` (augmented when `rng` is given and augmentation is on). */
  render(index: number, rng?: SeededRng): { input: Float32Array; boxes: Float32Array; classes: Int32Array } {
    const a = this.augment;
    const size = this.options.size;
    if (rng && a.mosaic > 0 && this.images.length >= 4 && rng.chance(a.mosaic)) {
      const pick = (): DetImage => this.images[rng.int(0, this.images.length - 1)];
      return renderMosaic([this.images[index], pick(), pick(), pick()], size, a, rng);
    }
    const augmented = a.flip || a.photometric || a.translate > 0 || a.scale[0] !== 1 || a.scale[1] !== 1;
    return renderDetImage(this.images[index], size, a, augmented ? rng : undefined);
  }

  get(index: number, rng: SeededRng): Example {
    const r = this.render(index, rng);
    return { input: r.input, target: detTarget(this.grid, r.boxes, r.classes, this.maxBoxes, this.options.atss) };
  }
}

/** What {@link loadDetImages} decoded and what it could not. */
export interface LoadedDetImages {
  images: DetImage[];
  /** Source sample index per image. */
  indices: number[];
  /** Decoded size per image, before shrinking (the size its boxes were given for). */
  sizes: { width: number; height: number }[];
  /** Unreadable images (corrupt, empty), skipped with the reason. */
  skipped: { image: string; reason: string }[];
}

/**
 * Decodes `samples` (EXIF-aware), shrinks each so its longer side is at most `maxSide`
 * (augmentation never needs more than the input size times the largest zoom), and converts
 * boxes to the kept pixels. Unreadable files are skipped and reported, not fatal.
 */
export async function loadDetImages(samples: readonly DetSample[], maxSide: number, onImage?: (done: number) => void): Promise<LoadedDetImages> {
  const out: LoadedDetImages = { images: [], indices: [], sizes: [], skipped: [] };
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    let img: RgbImage;
    try {
      img = await loadImage(s.image);
    } catch (err) {
      if (!(err instanceof ModelkitError)) throw err;
      out.skipped.push({ image: s.image, reason: `${err.code}: ${err.message}` });
      continue;
    }
    // Boxes in the kept pixels: YOLO's are fractions; a COCO file may state another size
    // than the file has (EXIF-rotated or re-encoded images), so scale by the decoded size.
    const w0 = img.width;
    const h0 = img.height;
    const shrink = Math.min(1, maxSide / Math.max(w0, h0));
    if (shrink < 1) img = await resizeImage(img, Math.max(1, Math.round(w0 * shrink)), Math.max(1, Math.round(h0 * shrink)), { engine: 'sharp' });
    const kx = (s.normalized ? img.width : (img.width / w0) * (s.width ? w0 / s.width : 1));
    const ky = (s.normalized ? img.height : (img.height / h0) * (s.height ? h0 / s.height : 1));
    const boxes = new Float32Array(s.boxes.length);
    for (let j = 0; j < s.boxes.length; j += 2) {
      boxes[j] = s.boxes[j] * kx;
      boxes[j + 1] = s.boxes[j + 1] * ky;
    }
    out.images.push({ image: img, boxes, classes: s.classes });
    out.indices.push(i);
    out.sizes.push({ width: w0, height: h0 });
    onImage?.(i + 1);
  }
  return out;
}
