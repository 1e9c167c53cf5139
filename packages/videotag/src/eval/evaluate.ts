/**
 * `videotag eval --data DIR`: the YouTube-8M metrics (GAP@20, Hit@1, PERR, mAP) of the
 * tagger's unthresholded label scores against a labelled video set (class subfolders or
 * labels.json). With `--model`, the trained head scores its labels; without, the default
 * tagger scores detector classes and content classes, so a set labelled with COCO names
 * ("person", "dog") evaluates the object tags.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { emitProgress, isModelkitError, type KitEvalOptions } from '@modelkit/core';
import { LABELS_FILE, multiHot, readVideoDataset } from '../data/video-dataset';
import type { VideoTagger } from '../video-tagger';
import { labelScores } from './label-scores';
import { yt8mReport } from './yt8m-report';

/** The eval report. */
export interface VideotagEvalReport {
  videos: number;
  labels: number;
  /** `head` with a trained model, else `default` (objects and content classes). */
  scorer: 'head' | 'default';
  gap: number;
  hit1: number;
  perr: number;
  map: number;
  /** Predictions per video pooled for GAP. */
  topK: number;
  /** Labels of the set the scorer cannot score (always 0 for them). */
  unscorable: string[];
  /** Videos that could not be read, with the reason. */
  skipped: { video: string; code: string }[];
}

/**
 * What `evaluate` reads, main first: `labels.json`, or without one the class subfolders
 * (a folder with neither is reported as missing its labels.json).
 */
export function evalFiles(dir: string): string[] {
  const list = join(dir, LABELS_FILE);
  if (existsSync(list) || !existsSync(dir)) return [list];
  const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => join(dir, d.name));
  return folders.length > 0 ? folders.sort() : [list];
}

/** Evaluates the tagger on a labelled folder (every video; a `val/` split when there is one). */
export async function evaluate(tagger: VideoTagger, dir: string, options: KitEvalOptions): Promise<VideotagEvalReport> {
  const ds = readVideoDataset(dir);
  const items = ds.val ?? ds.items;
  const labels = [...new Set(items.flatMap((i) => i.labels))].sort();
  const topK = typeof options.topK === 'number' ? options.topK : 20;
  const predictions: Float32Array[] = [];
  const truth: Float32Array[] = [];
  const skipped: VideotagEvalReport['skipped'] = [];
  let known: Set<string> | undefined;
  emitProgress(options.onProgress, { task: 'videotag eval', phase: 'start', done: 0, total: items.length, unit: 'items' });
  for (const [i, item] of items.entries()) {
    try {
      const a = await tagger.analyse(item.video, { scenes: false });
      const scores = labelScores(a.extracted.features, a.head);
      known ??= new Set(scores.keys());
      predictions.push(Float32Array.from(labels, (l) => scores.get(l) ?? 0));
      truth.push(multiHot(item, labels));
    } catch (err) {
      if (!isModelkitError(err)) throw err;
      skipped.push({ video: item.video, code: err.code });
    }
    emitProgress(options.onProgress, { task: 'videotag eval', phase: 'progress', done: i + 1, total: items.length, unit: 'items' });
  }
  emitProgress(options.onProgress, { task: 'videotag eval', phase: 'end', done: items.length, total: items.length, unit: 'items' });
  return {
    videos: predictions.length,
    labels: labels.length,
    scorer: tagger.head ? 'head' : 'default',
    ...(await yt8mReport(predictions, truth, topK)),
    topK,
    unscorable: labels.filter((l) => !known?.has(l)),
    skipped,
  };
}
