import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, ModelkitError, emitProgress } from '@modelkit/core';
import type { ProgressCallback } from '@modelkit/core';
import type { Detector, DetRunOptions } from '../detector';
import { cocoEvaluate } from './coco-eval';
import type { CocoDetection, CocoEvalResult, CocoGt } from './coco-eval';

/** The files `det eval --data DIR` reads: the COCO ground truth (image paths inside are relative to DIR). */
export function evalFiles(dataDir: string): string[] {
  return [join(dataDir, 'det', 'det_gt_coco.json')];
}

/** What {@link evaluate} returns: COCO metrics plus speed. */
export interface DetEvalReport extends CocoEvalResult {
  /** Model id and the post-processing used. */
  model: string;
  resize: string;
  /** Median and mean ms per image of `Detector.run` (image decode included). */
  msPerImage: { median: number; mean: number };
  /** Ground-truth category names the model has no class for (they count as misses). */
  unmappedCategories: string[];
}

/** Options of {@link evaluate}. */
export interface DetEvalOptions {
  /** Ground truth to score instead of `DIR/det/det_gt_coco.json` (same format; image paths relative to DIR). */
  gt?: string;
  /** Per-run options; default the detector's own thresholds (create it with `preset: 'eval'` for COCO's score > 0.05). */
  run?: DetRunOptions;
  onProgress?: ProgressCallback;
}

/**
 * Runs `detector` on every image of `DIR/det/det_gt_coco.json` (file names are relative
 * to DIR) and scores it with COCO bbox metrics. Model classes map to the file's category
 * ids by name, since COCO's ids run 1..90 with gaps.
 */
export async function evaluate(detector: Detector, dataDir: string, options: DetEvalOptions = {}): Promise<DetEvalReport> {
  const gtPath = options.gt ?? evalFiles(dataDir)[0];
  if (!existsSync(gtPath)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `No detection ground truth at ${gtPath}`, { details: { path: gtPath } });
  let gt: CocoGt;
  try {
    gt = JSON.parse(await readFile(gtPath, 'utf8')) as CocoGt;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${gtPath} is not valid JSON`, { cause: err });
  }
  const catByName = new Map(gt.categories.map((c) => [c.name, c.id]));
  const classToCat = detector.labels.map((l) => catByName.get(l));
  const known = new Set(detector.labels);
  const unmappedCategories = gt.categories.filter((c) => !known.has(c.name)).map((c) => c.name);
  // Default: the detector's own thresholds (det eval loads it with the eval preset).
  const run: DetRunOptions = { scoreThreshold: detector.postprocess.scoreThreshold, maxDetections: detector.postprocess.maxDetections, ...options.run };
  const detections: CocoDetection[] = [];
  const times: number[] = [];
  const task = 'det eval';
  emitProgress(options.onProgress, { task, phase: 'start', done: 0, total: gt.images.length, unit: 'images' });
  for (const image of gt.images) {
    const path = join(dataDir, image.file_name ?? '');
    const t0 = performance.now();
    const result = await detector.run(path, run);
    times.push(performance.now() - t0);
    for (const d of result.detections) {
      const cat = classToCat[d.classId];
      if (cat === undefined) continue;
      const [x1, y1, x2, y2] = d.box;
      detections.push({ image_id: image.id, category_id: cat, bbox: [x1, y1, x2 - x1, y2 - y1], score: d.score });
    }
    emitProgress(options.onProgress, { task, phase: 'progress', done: times.length, total: gt.images.length, unit: 'images' });
  }
  emitProgress(options.onProgress, { task, phase: 'end', done: times.length, total: gt.images.length, unit: 'images' });
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    model: detector.card.id,
    resize: run.resize ?? detector.resize,
    ...cocoEvaluate(gt, detections),
    msPerImage: { median, mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length) },
    unmappedCategories,
  };
}
