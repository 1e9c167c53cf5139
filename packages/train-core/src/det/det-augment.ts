/**
 * Box-aware augmentation of detection images: one affine placement (scale jitter = random
 * crop/expand and multi-scale, translation, horizontal flip) rendered straight into the
 * square model input, photometric distortion, optional mosaic. Without augmentation the
 * placement is the det kit's letterbox (ratio kept, centred, black borders), so training
 * sees what `Detector` feeds the exported model.
 */
import type { RgbImage } from '@modelkit/core';
import type { SeededRng } from '../data/seeded-rng';

/** Augmentation settings of detection training. */
export interface DetAugmentOptions {
  /** Mirror left-right with probability 0.5. */
  flip: boolean;
  /**
   * Scale jitter relative to the letterbox fit, `[min, max]`: below 1 zooms out (expand,
   * small objects), above 1 zooms in (random crop). `[1, 1]` = none.
   */
  scale: [number, number];
  /** Random shift of the placement, as a fraction of the input side (0 = centred). */
  translate: number;
  /** Brightness, contrast and saturation jitter (PaddleDetection's RandomDistort), each with probability 0.5. */
  photometric: boolean;
  /** Probability of a 4-image mosaic instead of one image (0 = never). */
  mosaic: number;
}

/** No augmentation: the det kit's letterbox. */
export const NO_DET_AUGMENT: DetAugmentOptions = { flip: false, scale: [1, 1], translate: 0, photometric: false, mosaic: 0 };

/** The default training augmentation (NanoDet-Plus' pipeline without rotation/shear). */
export const DEFAULT_DET_AUGMENT: DetAugmentOptions = { flip: true, scale: [0.6, 1.4], translate: 0.2, photometric: true, mosaic: 0 };

/** An image with its boxes in its own pixels. */
export interface DetImage {
  image: RgbImage;
  /** `x1, y1, x2, y2` per object, packed, in image pixels. */
  boxes: Float32Array;
  classes: Int32Array;
}

/** A rendered model input: HWC floats in [0, 1] and the boxes inside it. */
export interface RenderedDetImage {
  input: Float32Array;
  boxes: Float32Array;
  classes: Int32Array;
}

/** Where an image goes: input = image · scale + (tx, ty), mirrored first when `flip`. */
interface Placement {
  scale: number;
  tx: number;
  ty: number;
  flip: boolean;
}

/**
 * Bilinear-samples `img` placed by `p` into `canvas` (size² HWC) inside `rect` (x0, y0, x1, y1);
 * returns the boxes mapped the same way, clipped to `rect`, without slivers (under 2 px, or
 * under 20% of the box left inside).
 */
function renderInto(canvas: Float32Array, size: number, src: DetImage, p: Placement, rect: [number, number, number, number]): { boxes: number[]; classes: number[] } {
  const { image } = src;
  const W = image.width;
  const H = image.height;
  const data = image.data;
  const [rx0, ry0, rx1, ry1] = rect;
  const inv = 1 / p.scale;
  // Only the output rows/columns the placed image covers.
  const ox0 = Math.max(rx0, Math.floor(p.tx));
  const ox1 = Math.min(rx1, Math.ceil(p.tx + W * p.scale));
  const oy0 = Math.max(ry0, Math.floor(p.ty));
  const oy1 = Math.min(ry1, Math.ceil(p.ty + H * p.scale));
  for (let oy = oy0; oy < oy1; oy++) {
    const sy = (oy + 0.5 - p.ty) * inv - 0.5;
    if (sy < -0.5 || sy > H - 0.5) continue;
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(H - 1, y0 + 1);
    const fy = Math.min(1, Math.max(0, sy - y0));
    for (let ox = ox0; ox < ox1; ox++) {
      let sx = (ox + 0.5 - p.tx) * inv - 0.5;
      if (sx < -0.5 || sx > W - 0.5) continue;
      if (p.flip) sx = W - 1 - sx;
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(W - 1, x0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0));
      const a = (y0 * W + x0) * 3;
      const b = (y0 * W + x1) * 3;
      const c = (y1 * W + x0) * 3;
      const d = (y1 * W + x1) * 3;
      const o = (oy * size + ox) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch] + (data[b + ch] - data[a + ch]) * fx;
        const bottom = data[c + ch] + (data[d + ch] - data[c + ch]) * fx;
        canvas[o + ch] = (top + (bottom - top) * fy) / 255;
      }
    }
  }
  const boxes: number[] = [];
  const classes: number[] = [];
  for (let i = 0; i < src.classes.length; i++) {
    let [x1, y1, x2, y2] = src.boxes.subarray(i * 4, i * 4 + 4);
    if (p.flip) [x1, x2] = [W - x2, W - x1];
    const bx1 = x1 * p.scale + p.tx;
    const by1 = y1 * p.scale + p.ty;
    const bx2 = x2 * p.scale + p.tx;
    const by2 = y2 * p.scale + p.ty;
    const cx1 = Math.max(rx0, bx1);
    const cy1 = Math.max(ry0, by1);
    const cx2 = Math.min(rx1, bx2);
    const cy2 = Math.min(ry1, by2);
    if (cx2 - cx1 < 2 || cy2 - cy1 < 2) continue;
    if ((cx2 - cx1) * (cy2 - cy1) < 0.2 * (bx2 - bx1) * (by2 - by1)) continue;
    boxes.push(cx1, cy1, cx2, cy2);
    classes.push(src.classes[i]);
  }
  return { boxes, classes };
}

/** PaddleDetection's RandomDistort (brightness, contrast, saturation), in place on [0, 1] HWC values. */
function photometric(data: Float32Array, rng: SeededRng): void {
  const brightness = rng.chance(0.5) ? rng.uniform(-32, 32) / 255 : 0;
  const contrast = rng.chance(0.5) ? rng.uniform(0.5, 1.5) : 1;
  const saturation = rng.chance(0.5) ? rng.uniform(0.5, 1.5) : 1;
  if (brightness === 0 && contrast === 1 && saturation === 1) return;
  for (let i = 0; i < data.length; i += 3) {
    let r = (data[i] + brightness) * contrast;
    let g = (data[i + 1] + brightness) * contrast;
    let b = (data[i + 2] + brightness) * contrast;
    if (saturation !== 1) {
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      r = grey + (r - grey) * saturation;
      g = grey + (g - grey) * saturation;
      b = grey + (b - grey) * saturation;
    }
    data[i] = r < 0 ? 0 : r > 1 ? 1 : r;
    data[i + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
    data[i + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
  }
}

function packed(canvas: Float32Array, parts: { boxes: number[]; classes: number[] }[]): RenderedDetImage {
  return { input: canvas, boxes: Float32Array.from(parts.flatMap((p) => p.boxes)), classes: Int32Array.from(parts.flatMap((p) => p.classes)) };
}

/**
 * Renders one image into a `size`² input: letterbox without `rng`/augmentation, else the
 * random placement, flip and photometric distortion of `aug`.
 */
export function renderDetImage(src: DetImage, size: number, aug: DetAugmentOptions = NO_DET_AUGMENT, rng?: SeededRng): RenderedDetImage {
  const canvas = new Float32Array(size * size * 3);
  const { width: W, height: H } = src.image;
  const fit = size / Math.max(W, H);
  let p: Placement;
  if (!rng) {
    // The det kit's letterbox: the resized image centred, whole pixels of padding.
    const w = Math.round(W * fit);
    const h = Math.round(H * fit);
    p = { scale: fit, tx: Math.floor((size - w) / 2), ty: Math.floor((size - h) / 2), flip: false };
  } else {
    const scale = fit * rng.uniform(aug.scale[0], aug.scale[1]);
    const slackX = size - W * scale;
    const slackY = size - H * scale;
    // Centred, then shifted; a zoomed-in image (negative slack) may show any part of itself.
    const tx = slackX >= 0 ? slackX / 2 + rng.uniform(-1, 1) * aug.translate * size : rng.uniform(slackX, 0);
    const ty = slackY >= 0 ? slackY / 2 + rng.uniform(-1, 1) * aug.translate * size : rng.uniform(slackY, 0);
    p = { scale, tx, ty, flip: aug.flip && rng.chance(0.5) };
  }
  const part = renderInto(canvas, size, src, p, [0, 0, size, size]);
  if (rng && aug.photometric) photometric(canvas, rng);
  return packed(canvas, [part]);
}

/**
 * A 4-image mosaic (YOLOv4): the input is cut at a random centre and each quadrant shows
 * one image, scaled to fit it (with jitter) and touching the centre.
 */
export function renderMosaic(srcs: readonly [DetImage, DetImage, DetImage, DetImage], size: number, aug: DetAugmentOptions, rng: SeededRng): RenderedDetImage {
  const canvas = new Float32Array(size * size * 3);
  const cx = Math.round(rng.uniform(0.3, 0.7) * size);
  const cy = Math.round(rng.uniform(0.3, 0.7) * size);
  const rects: [number, number, number, number][] = [[0, 0, cx, cy], [cx, 0, size, cy], [0, cy, cx, size], [cx, cy, size, size]];
  const parts = srcs.map((src, q) => {
    const [x0, y0, x1, y1] = rects[q];
    const { width: W, height: H } = src.image;
    const scale = Math.min((x1 - x0) / W, (y1 - y0) / H) * rng.uniform(Math.max(0.8, aug.scale[0]), Math.max(1.2, aug.scale[1]));
    // Left quadrants end at the centre, right ones start there (likewise top/bottom).
    const tx = q % 2 === 0 ? cx - W * scale : cx;
    const ty = q < 2 ? cy - H * scale : cy;
    return renderInto(canvas, size, src, { scale, tx, ty, flip: aug.flip && rng.chance(0.5) }, rects[q]);
  });
  if (aug.photometric) photometric(canvas, rng);
  return packed(canvas, parts);
}
