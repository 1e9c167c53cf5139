import { polygonArea, polygonIntersectionArea, polygonIou } from '@modelkit/core';
import type { Point } from '@modelkit/core';

/** A ground-truth region of one image. */
export interface GtRegion {
  polygon: Point[];
  text: string;
  /** "###" / do-not-care region: neither a miss when undetected nor a hit when detected. */
  ignore: boolean;
}

/** A predicted region of one image. */
export interface PredRegion {
  polygon: Point[];
  text: string;
}

/** Counts of one image under the ICDAR2015 protocol. */
export interface ImageMatch {
  /** Ground-truth regions that count (not ignored). */
  gtCare: number;
  /** Predictions that count (not dropped for lying on an ignored region). */
  predCare: number;
  /** One-to-one matches [gt index, pred index] with IoU ≥ `iouThreshold`. */
  pairs: [number, number][];
}

/**
 * ICDAR2015 (Robust Reading Challenge 4.1) matching for one image: a prediction whose
 * area lies more than `ignoreOverlap` inside some do-not-care region is dropped; then
 * ground truth and predictions are paired one-to-one, greedily in ground-truth order,
 * when their polygon IoU is at least `iouThreshold` (0.5).
 */
export function matchImage(gt: readonly GtRegion[], pred: readonly PredRegion[], iouThreshold = 0.5, ignoreOverlap = 0.5): ImageMatch {
  const predIgnored = pred.map((p) => {
    const area = polygonArea(p.polygon);
    if (area <= 0) return true;
    return gt.some((g) => g.ignore && polygonIntersectionArea(g.polygon, p.polygon) / area > ignoreOverlap);
  });
  const gtUsed = new Uint8Array(gt.length);
  const predUsed = new Uint8Array(pred.length);
  const pairs: [number, number][] = [];
  for (let gi = 0; gi < gt.length; gi++) {
    if (gt[gi].ignore) continue;
    for (let pi = 0; pi < pred.length; pi++) {
      if (gtUsed[gi] || predUsed[pi] || predIgnored[pi]) continue;
      if (polygonIou(gt[gi].polygon, pred[pi].polygon) >= iouThreshold) {
        gtUsed[gi] = 1;
        predUsed[pi] = 1;
        pairs.push([gi, pi]);
      }
    }
  }
  return {
    gtCare: gt.filter((g) => !g.ignore).length,
    predCare: predIgnored.filter((x) => !x).length,
    pairs,
  };
}

/** Precision, recall and their harmonic mean from global counts (0 when undefined). */
export function prf(hits: number, predicted: number, expected: number): { precision: number; recall: number; hmean: number } {
  const precision = predicted === 0 ? 0 : hits / predicted;
  const recall = expected === 0 ? 0 : hits / expected;
  const hmean = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, hmean };
}
