/**
 * COCO bounding-box metrics with the semantics of pycocotools' `COCOeval` (iouType 'bbox'):
 * per image and category, detections (score-descending, at most maxDet) greedily match the
 * best-IoU unmatched ground truth at each IoU threshold; crowd and out-of-range boxes are
 * ignored, crowd boxes absorb any number of detections (IoU = intersection / detection
 * area); precision is interpolated at 101 recall points; a metric averages over the
 * categories that have ground truth. Written from the pycocotools source; no Python needed.
 */
import { InvalidArgumentError } from '@modelkit/core';

/** A COCO ground-truth annotation (only the fields the bbox metrics read). */
export interface CocoGtAnnotation {
  id?: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height]. */
  bbox: [number, number, number, number];
  /** Object area used for the small/medium/large ranges (COCO: the segmentation's area). Default: bbox area. */
  area?: number;
  iscrowd?: number | boolean;
}

/** The parts of a COCO ground-truth file the metrics need. */
export interface CocoGt {
  images: { id: number; file_name?: string; width?: number; height?: number }[];
  annotations: CocoGtAnnotation[];
  categories: { id: number; name: string }[];
}

/** One detection in COCO result format. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  /** [x, y, width, height]. */
  bbox: [number, number, number, number];
  score: number;
}

/** The twelve numbers pycocotools' `summarize()` prints for bbox, as fractions (−1 = undefined). */
export interface CocoMetrics {
  /** AP @ IoU 0.50:0.95, all areas, 100 detections. */
  AP: number;
  AP50: number;
  AP75: number;
  APsmall: number;
  APmedium: number;
  APlarge: number;
  AR1: number;
  AR10: number;
  AR100: number;
  ARsmall: number;
  ARmedium: number;
  ARlarge: number;
}

/** Options of {@link cocoEvaluate}; the defaults are COCO's. */
export interface CocoEvalOptions {
  /** Default [1, 10, 100]; the last one is the one AP and the area metrics use. */
  maxDets?: [number, number, number];
}

/** A full report: the summary and AP@[.5:.95] per category name (−1 when it has no ground truth). */
export interface CocoEvalResult {
  metrics: CocoMetrics;
  perCategory: Record<string, number>;
  images: number;
  annotations: number;
  detections: number;
}

// np.linspace(start, stop, num): i * step + start, the last value exactly `stop`.
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** COCO's IoU thresholds 0.50, 0.55, …, 0.95. */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
/** COCO's 101 recall points 0, 0.01, …, 1. */
export const RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));
/** COCO's area ranges (inclusive on both ends, as pycocotools compares). */
export const AREA_RANGES: Readonly<Record<'all' | 'small' | 'medium' | 'large', readonly [number, number]>> = Object.freeze({
  all: [0, 1e5 ** 2] as const,
  small: [0, 32 ** 2] as const,
  medium: [32 ** 2, 96 ** 2] as const,
  large: [96 ** 2, 1e5 ** 2] as const,
});
const AREA_KEYS = ['all', 'small', 'medium', 'large'] as const;

/** IoU of two [x,y,w,h] boxes; for a crowd ground truth, intersection over the detection's area (maskUtils.iou). */
export function cocoBoxIou(d: readonly number[], g: readonly number[], crowd: boolean): number {
  const w = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  const h = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter;
  return union > 0 ? inter / union : 0;
}

interface Gt {
  bbox: number[];
  area: number;
  crowd: boolean;
}
interface Dt {
  bbox: number[];
  area: number;
  score: number;
}
/** Per image/category/area result, like evaluateImg's dict. */
interface ImgEval {
  dtScores: number[];
  /** [T][D]: matched to some ground truth. */
  dtMatched: boolean[][];
  /** [T][D]. */
  dtIgnore: boolean[][];
  gtIgnore: boolean[];
}

// Stable sort of indices by descending score (numpy argsort(-s, kind='mergesort')).
function byScore(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

function evaluateImg(gtIn: readonly Gt[], dtSorted: readonly Dt[], iousSorted: readonly number[][], range: readonly [number, number], maxDet: number): ImgEval | undefined {
  if (gtIn.length === 0 && dtSorted.length === 0) return undefined;
  const ignoreOf = (g: Gt): boolean => g.crowd || g.area < range[0] || g.area > range[1];
  // Ground truths that count come first, ignored ones last (stable).
  const gtOrder = gtIn.map((_, i) => i).sort((a, b) => Number(ignoreOf(gtIn[a])) - Number(ignoreOf(gtIn[b])) || a - b);
  const gt = gtOrder.map((i) => gtIn[i]);
  const gtIgnore = gt.map(ignoreOf);
  const dt = dtSorted.slice(0, maxDet);
  const T = IOU_THRESHOLDS.length;
  const dtMatched = Array.from({ length: T }, () => new Array<boolean>(dt.length).fill(false));
  const dtIgnore = Array.from({ length: T }, () => new Array<boolean>(dt.length).fill(false));
  if (gt.length > 0 && dt.length > 0) {
    for (let t = 0; t < T; t++) {
      const gtMatched = new Array<boolean>(gt.length).fill(false);
      for (let d = 0; d < dt.length; d++) {
        let best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < gt.length; g++) {
          if (gtMatched[g] && !gt[g].crowd) continue;
          // Already matched a ground truth that counts and only ignored ones remain: stop.
          if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break;
          const iou = iousSorted[d][gtOrder[g]];
          if (iou < best) continue;
          best = iou;
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t][d] = gtIgnore[m];
        dtMatched[t][d] = true;
        gtMatched[m] = true;
      }
    }
  }
  // Unmatched detections outside the area range do not count as false positives.
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < dt.length; d++) {
      if (!dtMatched[t][d] && (dt[d].area < range[0] || dt[d].area > range[1])) dtIgnore[t][d] = true;
    }
  }
  return { dtScores: dt.map((d) => d.score), dtMatched, dtIgnore, gtIgnore };
}

/** Precision at the 101 recall points and final recall, for one category/area/maxDet over all images. */
function accumulate(evals: readonly ImgEval[], maxDet: number): { precision: number[][]; recall: number[] } | undefined {
  const T = IOU_THRESHOLDS.length;
  const npig = evals.reduce((n, e) => n + e.gtIgnore.filter((i) => !i).length, 0);
  if (npig === 0) return undefined;
  const scores: number[] = [];
  const matched: boolean[][] = Array.from({ length: T }, () => []);
  const ignored: boolean[][] = Array.from({ length: T }, () => []);
  for (const e of evals) {
    const n = Math.min(maxDet, e.dtScores.length);
    scores.push(...e.dtScores.slice(0, n));
    for (let t = 0; t < T; t++) {
      matched[t].push(...e.dtMatched[t].slice(0, n));
      ignored[t].push(...e.dtIgnore[t].slice(0, n));
    }
  }
  const order = byScore(scores);
  const precision: number[][] = [];
  const recall: number[] = [];
  for (let t = 0; t < T; t++) {
    const rc: number[] = [];
    const pr: number[] = [];
    let tp = 0;
    let fp = 0;
    for (const i of order) {
      if (ignored[t][i]) {
        // Ignored detections still take a place in the cumulative arrays (their tp/fp do not change).
      } else if (matched[t][i]) tp++;
      else fp++;
      rc.push(tp / npig);
      pr.push(tp / (fp + tp + Number.EPSILON));
    }
    const nd = rc.length;
    recall.push(nd ? rc[nd - 1] : 0);
    for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    const q = new Array<number>(RECALL_THRESHOLDS.length).fill(0);
    let pi = 0;
    for (let r = 0; r < RECALL_THRESHOLDS.length; r++) {
      // searchsorted(rc, thr, 'left'): first index with rc >= thr; past the end the rest stay 0.
      while (pi < nd && rc[pi] < RECALL_THRESHOLDS[r]) pi++;
      if (pi >= nd) break;
      q[r] = pr[pi];
    }
    precision.push(q);
  }
  return { precision, recall };
}

function mean(values: readonly number[]): number {
  const v = values.filter((x) => x > -1);
  return v.length === 0 ? -1 : v.reduce((a, b) => a + b, 0) / v.length;
}

function checkBox(b: unknown, what: string): [number, number, number, number] {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidArgumentError(`${what}: bbox must be [x, y, width, height] numbers, got ${JSON.stringify(b)}`);
  }
  return b as [number, number, number, number];
}

/**
 * COCO bbox evaluation of `detections` against `gt`, as pycocotools' evaluate(),
 * accumulate() and summarize() (imgIds = all gt images, catIds = all gt categories).
 * Detections of unknown images or categories throw InvalidArgumentError.
 */
export function cocoEvaluate(gt: CocoGt, detections: readonly CocoDetection[], options: CocoEvalOptions = {}): CocoEvalResult {
  if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
    throw new InvalidArgumentError('cocoEvaluate: gt must have images, annotations and categories arrays');
  }
  if (!Array.isArray(detections)) throw new InvalidArgumentError('cocoEvaluate: detections must be an array');
  const maxDets = options.maxDets ?? [1, 10, 100];
  const maxDet = maxDets[2];
  const imgIds = [...new Set(gt.images.map((i) => i.id))].sort((a, b) => a - b);
  const catIds = [...new Set(gt.categories.map((c) => c.id))].sort((a, b) => a - b);
  const imgSet = new Set(imgIds);
  const catSet = new Set(catIds);
  const key = (img: number, cat: number): string => `${img}/${cat}`;
  const gts = new Map<string, Gt[]>();
  const dts = new Map<string, Dt[]>();
  for (const a of gt.annotations) {
    const bbox = checkBox(a.bbox, `annotation ${a.id ?? ''}`);
    if (!imgSet.has(a.image_id) || !catSet.has(a.category_id)) continue;
    const list = gts.get(key(a.image_id, a.category_id)) ?? [];
    list.push({ bbox, area: typeof a.area === 'number' ? a.area : bbox[2] * bbox[3], crowd: Boolean(a.iscrowd) });
    gts.set(key(a.image_id, a.category_id), list);
  }
  for (const d of detections) {
    const bbox = checkBox(d.bbox, `detection of image ${d.image_id}`);
    if (!imgSet.has(d.image_id)) throw new InvalidArgumentError(`cocoEvaluate: detection for image ${d.image_id}, which is not in the ground truth`);
    if (typeof d.score !== 'number' || !Number.isFinite(d.score)) throw new InvalidArgumentError(`cocoEvaluate: detection score must be a number`);
    if (!catSet.has(d.category_id)) continue;
    const list = dts.get(key(d.image_id, d.category_id)) ?? [];
    list.push({ bbox, area: bbox[2] * bbox[3], score: d.score });
    dts.set(key(d.image_id, d.category_id), list);
  }

  const T = IOU_THRESHOLDS.length;
  // precision[area][maxDetIndex][cat] -> [T][R] or undefined; recall likewise -> [T].
  const ap: (number[][] | undefined)[][][] = AREA_KEYS.map(() => maxDets.map(() => []));
  const ar: (number[] | undefined)[][][] = AREA_KEYS.map(() => maxDets.map(() => []));
  for (const cat of catIds) {
    // IoUs once per image: detections score-sorted and cut to the largest maxDet (computeIoU).
    const perImage = imgIds.map((img) => {
      const g = gts.get(key(img, cat)) ?? [];
      const dAll = dts.get(key(img, cat)) ?? [];
      const d = byScore(dAll.map((x) => x.score)).slice(0, maxDet).map((i) => dAll[i]);
      const ious = d.map((x) => g.map((y) => cocoBoxIou(x.bbox, y.bbox, y.crowd)));
      return { g, d, ious };
    });
    AREA_KEYS.forEach((areaKey, a) => {
      maxDets.forEach((m, mi) => {
        const evals = perImage.map(({ g, d, ious }) => evaluateImg(g, d, ious, AREA_RANGES[areaKey], m)).filter((e): e is ImgEval => e !== undefined);
        const acc = evals.length === 0 ? undefined : accumulate(evals, m);
        ap[a][mi].push(acc?.precision);
        ar[a][mi].push(acc?.recall);
      });
    });
  }

  const m100 = 2;
  const apOf = (a: number, mi: number, t?: number): number => {
    const v: number[] = [];
    for (const p of ap[a][mi]) {
      if (!p) continue;
      for (let ti = 0; ti < T; ti++) if (t === undefined || t === ti) v.push(...p[ti]);
    }
    return mean(v);
  };
  const arOf = (a: number, mi: number): number => mean(ar[a][mi].flatMap((r) => (r ? r : [])));
  const metrics: CocoMetrics = {
    AP: apOf(0, m100),
    AP50: apOf(0, m100, 0),
    AP75: apOf(0, m100, 5),
    APsmall: apOf(1, m100),
    APmedium: apOf(2, m100),
    APlarge: apOf(3, m100),
    AR1: arOf(0, 0),
    AR10: arOf(0, 1),
    AR100: arOf(0, m100),
    ARsmall: arOf(1, m100),
    ARmedium: arOf(2, m100),
    ARlarge: arOf(3, m100),
  };
  const perCategory: Record<string, number> = {};
  catIds.forEach((cat, k) => {
    const name = gt.categories.find((c) => c.id === cat)?.name ?? String(cat);
    const p = ap[0][m100][k];
    perCategory[name] = p ? mean(p.flat()) : -1;
  });
  return { metrics, perCategory, images: imgIds.length, annotations: gt.annotations.length, detections: detections.length };
}
