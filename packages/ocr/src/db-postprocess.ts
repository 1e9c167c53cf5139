import { findContours, minAreaRect, polygonPerimeter, rectCorners, unclip } from '@modelkit/core';
import type { Point, Quad } from '@modelkit/core';
import { approxClosedPolygon } from './approx-polygon';
import { polygonMean } from './polygon-mask';

/** The knobs of DB post-processing; names and defaults follow PaddleOCR's `DBPostProcess`. */
export interface DbOptions {
  /** Probability above which a pixel is text (`det_db_thresh`, default 0.3). */
  thresh?: number;
  /** Minimum mean probability inside a box to keep it (`det_db_box_thresh`, default 0.6). */
  boxThresh?: number;
  /** At most this many contours are considered (`max_candidates`, default 1000). */
  maxCandidates?: number;
  /** How far boxes are grown back out (`det_db_unclip_ratio`, default 1.5). */
  unclipRatio?: number;
  /** Dilate the text mask with a 2×2 kernel before finding contours (default false). */
  useDilation?: boolean;
  /** `fast` scores a box by its rectangle, `slow` by its exact contour (default fast). */
  scoreMode?: 'fast' | 'slow';
  /** `quad`: min-area rectangles; `poly`: simplified polygons for curved text (default quad). */
  boxType?: 'quad' | 'poly';
  /** Boxes whose short side is below this (in map pixels) are dropped (default 3). */
  minSize?: number;
}

/** Defaults of {@link DbOptions} (PaddleOCR's `predict_det` defaults). */
export const DB_DEFAULTS: Readonly<Required<DbOptions>> = Object.freeze({
  thresh: 0.3,
  boxThresh: 0.6,
  maxCandidates: 1000,
  unclipRatio: 1.5,
  useDilation: false,
  scoreMode: 'fast',
  boxType: 'quad',
  minSize: 3,
});

/** One text region found by DB. */
export interface DbBox {
  /** Min-area rectangle tl, tr, br, bl in the destination image's pixels. */
  box: Quad;
  /** The simplified outline (only with `boxType: 'poly'`), destination pixels. */
  polygon?: Point[];
  /** Mean text probability inside the shrunk region. */
  score: number;
}

/** A probability map from the DB head: one channel, row-major. */
export interface ProbabilityMap {
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * Turns a DB probability map into text boxes in destination coordinates, the way
 * PaddleOCR's `DBPostProcess` does: threshold, (dilate), contours (outer borders and holes, as cv2 RETR_LIST), min-area rectangle,
 * score, unclip, min-area rectangle again, scale to `destWidth × destHeight`, round and
 * clip to [0, dest].
 */
export function dbPostprocess(map: ProbabilityMap, destWidth: number, destHeight: number, options: DbOptions = {}): DbBox[] {
  const o = { ...DB_DEFAULTS, ...stripUndefined(options) };
  const { width, height, data } = map;
  // Threshold read once into a local and only text pixels written (the map is mostly
  // background): ~1-1.5 ms less per 960x544 map than reading `o.thresh` per pixel.
  const thresh = o.thresh;
  const n = width * height;
  let mask: Uint8Array = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (data[i] > thresh) mask[i] = 1;
  if (o.useDilation) mask = dilate2x2(mask, width, height);
  const contours = findContours(mask, width, height, { holes: true }).slice(0, o.maxCandidates);
  // PaddleOCR: np.clip(np.round(x / width * dest_width), 0, dest_width). Same operation
  // order for the same floats, and numpy's round-half-to-even (292.5 -> 292, not 293).
  const toDest = (p: Point): Point => [
    clamp(roundHalfEven((p[0] / width) * destWidth), 0, destWidth),
    clamp(roundHalfEven((p[1] / height) * destHeight), 0, destHeight),
  ];
  const out: DbBox[] = [];
  for (const contour of contours) {
    if (o.boxType === 'poly') {
      const found = polygonFromContour(contour, data, width, height, o);
      if (found) out.push({ box: found.box.map(toDest) as Quad, polygon: found.polygon.map(toDest), score: found.score });
      continue;
    }
    if (contour.length < 3) continue;
    const first = miniBox(contour);
    if (first.shortSide < o.minSize) continue;
    const score =
      o.scoreMode === 'fast' ? polygonMean(data, width, height, first.box) : polygonMean(data, width, height, contour);
    if (o.boxThresh > score) continue;
    const grown = unclip(first.box, o.unclipRatio);
    if (grown.length !== 1 || grown[0].length < 3) continue;
    const second = miniBox(grown[0]);
    if (second.shortSide < o.minSize + 2) continue;
    out.push({ box: second.box.map(toDest) as Quad, score });
  }
  return out;
}

function polygonFromContour(
  contour: readonly Point[],
  data: Float32Array,
  width: number,
  height: number,
  o: Required<DbOptions>,
): { box: Quad; polygon: Point[]; score: number } | undefined {
  if (contour.length < 4) return undefined;
  const approx = approxClosedPolygon(contour, 0.002 * polygonPerimeter(contour));
  if (approx.length < 4) return undefined;
  const score = polygonMean(data, width, height, approx);
  if (o.boxThresh > score) return undefined;
  const grown = unclip(approx, o.unclipRatio);
  if (grown.length !== 1 || grown[0].length < 3) return undefined;
  const rect = miniBox(grown[0]);
  if (rect.shortSide < o.minSize + 2) return undefined;
  return { box: rect.box, polygon: grown[0], score };
}

/** PaddleOCR's `get_mini_boxes`: min-area rectangle corners and its short side. */
function miniBox(points: readonly Point[]): { box: Quad; shortSide: number } {
  const rect = minAreaRect(points);
  return { box: rectCorners(rect), shortSide: Math.min(rect.width, rect.height) };
}

/** cv2.dilate with the 2×2 kernel of ones PaddleOCR uses (anchor at the kernel's centre). */
function dilate2x2(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] =
        mask[i] | (x > 0 ? mask[i - 1] : 0) | (y > 0 ? mask[i - width] : 0) | (x > 0 && y > 0 ? mask[i - width - 1] : 0);
    }
  }
  return out;
}

/** numpy's `np.round`: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // `+ 0` turns -0 (from -0.5) into 0.
  return (Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
