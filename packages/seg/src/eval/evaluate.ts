/** `seg eval`: runs a {@link HumanSeg} over `DIR/seg/seg_gt.json` and reports IoU metrics. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { ErrorCodes, ImageError, InvalidArgumentError, ModelkitError, emitProgress, loadImage } from '@modelkit/core';
import type { ProgressCallback } from '@modelkit/core';
import type { SegInput, SegResult, SegRunOptions } from '../human-seg';
import type { ByteMask, FloatMask } from '../mask';
import { thresholdMask } from '../mask';
import { accumulateConfusion, emptyConfusion, segMetrics } from './metrics';
import type { SegConfusion, SegMetrics } from './metrics';

/** One entry of `seg_gt.json`; paths are relative to the data folder. */
export interface SegGtEntry {
  image: string;
  mask: string;
  set?: string;
}

/** Report of {@link evaluate}. */
export interface SegEvalReport extends SegMetrics {
  images: number;
  /** Probability at or above which a pixel counts as person. */
  threshold: number;
  confusion: SegConfusion;
  /** Metrics per `set` of the ground truth (e.g. COCO persons, CIHP). */
  sets: Record<string, SegMetrics & { images: number }>;
  /** Median ms per image of `seg.run` on the decoded image (decode excluded). */
  medianMs: number;
}

/** The files `seg eval --data DIR` reads: the ground-truth list (image and label paths inside are relative to DIR). */
export function evalFiles(dataDir: string): string[] {
  return [join(dataDir, 'seg', 'seg_gt.json')];
}

/** Reads and checks `seg_gt.json`. */
export async function readSegGt(file: string): Promise<SegGtEntry[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not readable JSON`, { cause: err, details: { file } });
  }
  if (!Array.isArray(json) || !json.every((e) => e && typeof e.image === 'string' && typeof e.mask === 'string')) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} must be a JSON array of { image, mask }`, { details: { file } });
  }
  return json as SegGtEntry[];
}

/** Decodes a label PNG (8-bit, one channel: 0 background, 1 person, 255 ignore). */
export async function readLabelMask(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // sharp decodes a grey PNG to 3 equal channels; the first one holds the label values.
    decoded = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageError(existsSync(path) ? ErrorCodes.IMAGE_DECODE : ErrorCodes.FILE_NOT_FOUND, `label mask ${path} cannot be decoded`, { cause: err, details: { path } });
  }
  const { data, info } = decoded;
  return { data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
}

/** Runs `seg` on every image of `DIR/seg/seg_gt.json` and accumulates the metrics. */
export async function evaluate(
  seg: { run(input: SegInput, options: SegRunOptions): Promise<SegResult<FloatMask | ByteMask>> },
  dataDir: string,
  options: SegRunOptions & { threshold?: number; onProgress?: ProgressCallback; /** Ground truth instead of `DIR/seg/seg_gt.json`. */ gt?: string } = {},
): Promise<SegEvalReport> {
  const file = options.gt ?? evalFiles(dataDir)[0];
  if (!existsSync(file)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `no ${file}`, { details: { file } });
  const entries = await readSegGt(file);
  const threshold = options.threshold ?? 0.5;
  const total = emptyConfusion();
  const perSet = new Map<string, { c: SegConfusion; images: number }>();
  const times: number[] = [];
  const task = 'seg eval';
  emitProgress(options.onProgress, { task, phase: 'start', done: 0, total: entries.length, unit: 'images' });
  for (const entry of entries) {
    const label = await readLabelMask(join(dataDir, entry.mask));
    const image = await loadImage(join(dataDir, entry.image));
    if (image.width !== label.width || image.height !== label.height) {
      throw new InvalidArgumentError(`${entry.mask} is ${label.width}x${label.height} but ${entry.image} is ${image.width}x${image.height}`);
    }
    const t0 = performance.now();
    const { mask } = await seg.run(image, { refine: options.refine });
    times.push(performance.now() - t0);
    const pred = thresholdMask(mask, threshold);
    accumulateConfusion(pred, label.data, total);
    const key = entry.set ?? 'all';
    const s = perSet.get(key) ?? { c: emptyConfusion(), images: 0 };
    accumulateConfusion(pred, label.data, s.c);
    s.images++;
    perSet.set(key, s);
    emitProgress(options.onProgress, { task, phase: 'progress', done: times.length, total: entries.length, unit: 'images' });
  }
  emitProgress(options.onProgress, { task, phase: 'end', done: times.length, total: entries.length, unit: 'images' });
  times.sort((a, b) => a - b);
  const sets: SegEvalReport['sets'] = {};
  for (const [k, v] of perSet) sets[k] = { images: v.images, ...segMetrics(v.c) };
  return { images: entries.length, threshold, ...segMetrics(total), confusion: total, sets, medianMs: times.length ? times[Math.floor(times.length / 2)] : 0 };
}
