import { InvalidArgumentError } from '../errors';
import { sortedCandidates } from './nms';
import type { Box } from './types';
import { assertBoxes, assertSameLength } from './validate';

/** Options of {@link matrixNms}; names and defaults follow Paddle's `matrix_nms` operator. */
export interface MatrixNmsOptions {
  /** Decay function: `linear` (1 - iou) / (1 - maxIou), or `gaussian` exp((maxIou² - iou²) · sigma). */
  kernel: 'gaussian' | 'linear';
  /** Gaussian sigma. Paddle multiplies by it (it does not divide). Default 2. */
  gaussianSigma?: number;
  /** Candidates must score strictly above this before decay. */
  scoreThreshold: number;
  /** Decayed scores must be strictly above this to be kept. */
  postThreshold: number;
  /** Per class, keep only the top-k candidates before decay. Default -1 (all). */
  nmsTopK?: number;
  /** Keep at most this many results over all classes. Default -1 (all). */
  keepTopK?: number;
  /** One class id per box; decay then only happens within a class. Default: one class. */
  classIds?: readonly number[];
  /**
   * `true` (Paddle's default): continuous coordinates. `false`: pixel coordinates with
   * the "+1" area convention (PaddleDetection's `MatrixNMS` layer passes `false`).
   */
  normalized?: boolean;
}

/** One kept box of {@link matrixNms}. */
export interface MatrixNmsResult {
  /** Index into the input boxes. */
  index: number;
  /** Decayed score. */
  score: number;
}

// IoU exactly as Paddle's JaccardOverlap: touching boxes overlap by one pixel when not normalized.
function paddleIou(a: Box, b: Box, normalized: boolean): number {
  if (b[0] > a[2] || b[2] < a[0] || b[1] > a[3] || b[3] < a[1]) return 0;
  const norm = normalized ? 0 : 1;
  const inter = (Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + norm) * (Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + norm);
  const area = (x: Box): number => (x[2] < x[0] || x[3] < x[1] ? 0 : (x[2] - x[0] + norm) * (x[3] - x[1] + norm));
  return inter / (area(a) + area(b) - inter);
}

/**
 * Matrix NMS (SOLOv2) with the semantics of Paddle's `matrix_nms` CPU kernel, which
 * PaddleDetection's `ppdet/modeling/ops.py` wraps: per class, candidates scoring above
 * `scoreThreshold` are sorted (top `nmsTopK`), each candidate i is decayed by
 * min over higher-scored j of decay(iou(i, j), maxIou(j)), where maxIou(j) is j's largest
 * IoU with any box above it (the "compensation"); decayed scores above `postThreshold`
 * survive; all classes are then sorted by decayed score and cut to `keepTopK`.
 * Ties are broken by input order (Paddle's partial_sort leaves them unspecified).
 */
export function matrixNms(boxes: readonly Box[], scores: readonly number[], o: MatrixNmsOptions): MatrixNmsResult[] {
  assertBoxes(boxes, 'boxes');
  assertSameLength(scores, boxes.length, 'scores');
  assertSameLength(o.classIds, boxes.length, 'classIds');
  if (o.kernel !== 'gaussian' && o.kernel !== 'linear') throw new InvalidArgumentError(`matrixNms: unknown kernel ${String(o.kernel)}`);
  const sigma = o.gaussianSigma ?? 2;
  const nmsTopK = o.nmsTopK ?? -1;
  const keepTopK = o.keepTopK ?? -1;
  const normalized = o.normalized ?? true;
  const gaussian = o.kernel === 'gaussian';

  // Group candidate indices by class (ascending class id, like Paddle's class loop).
  const byClass = new Map<number, number[]>();
  for (const i of sortedCandidates(scores, o.scoreThreshold)) {
    const c = o.classIds ? o.classIds[i] : 0;
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);

  const results: MatrixNmsResult[] = [];
  for (const c of classes) {
    let perm = byClass.get(c) as number[];
    if (nmsTopK > -1 && perm.length > nmsTopK) perm = perm.slice(0, nmsTopK);
    const n = perm.length;
    if (n === 0) continue;
    // Lower-triangular IoU matrix, row i holds iou(i, j) for j < i.
    const iou = new Float64Array((n * (n - 1)) / 2);
    const maxIou = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      let m = 0;
      for (let j = 0; j < i; j++) {
        const v = paddleIou(boxes[perm[i]], boxes[perm[j]], normalized);
        iou[(i * (i - 1)) / 2 + j] = v;
        if (v > m) m = v;
      }
      maxIou[i] = m;
    }
    if (scores[perm[0]] > o.postThreshold) results.push({ index: perm[0], score: scores[perm[0]] });
    for (let i = 1; i < n; i++) {
      let minDecay = 1;
      for (let j = 0; j < i; j++) {
        const v = iou[(i * (i - 1)) / 2 + j];
        const d = gaussian ? Math.exp((maxIou[j] * maxIou[j] - v * v) * sigma) : (1 - v) / (1 - maxIou[j]);
        if (d < minDecay) minDecay = d;
      }
      const ds = minDecay * scores[perm[i]];
      if (ds > o.postThreshold) results.push({ index: perm[i], score: ds });
    }
  }
  results.sort((a, b) => b.score - a.score);
  return keepTopK > -1 && results.length > keepTopK ? results.slice(0, keepTopK) : results;
}
