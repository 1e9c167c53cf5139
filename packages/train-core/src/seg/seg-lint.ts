/**
 * A linter for segmentation data sets: finds what PaddleSeg's users trip on most before a
 * training run wastes hours on it — masks saved as 0/255 (255 is the ignore index, so the
 * object class never gets a pixel and its IoU stays 0), labels ≥ the number of classes,
 * masks whose size is not the image's, unreadable files, strong class imbalance — and
 * offers the fix (`--remap 255:1`, `lint --fix OUT`).
 */
import { copyFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { emitProgress, encodeImage, ErrorCodes, makeDirs, ModelkitError, writeFileAtomic, type ProgressCallback } from '@modelkit/core';
import { resizeMask } from './joint-transforms';
import { decodeSegEntry, type SegEntry } from './seg-data';
import { IGNORE_INDEX } from './seg-sample';

/** What a finding is about. */
export type SegLintCode = 'unreadable' | 'size-mismatch' | 'binary-255' | 'label-out-of-range' | 'class-imbalance' | 'missing-class' | 'no-labels';

/** One problem of the data set. */
export interface SegLintFinding {
  code: SegLintCode;
  /** `error`: training would be wrong or fail; `warning`: it would train, likely badly. */
  severity: 'error' | 'warning';
  message: string;
  /** Affected images (absolute paths), at most 20 listed. */
  files: string[];
  /** How many images are affected in all. */
  count: number;
  /** The remedy: a flag or command. */
  fix?: string;
}

/** Result of {@link lintSegData}. */
export interface SegLintReport {
  images: number;
  /** Label values seen and their pixel counts (after `remap`). */
  histogram: Record<string, number>;
  /** Share of labelled (non-ignore) pixels per class index < numClasses. */
  classShare: number[];
  numClasses: number;
  findings: SegLintFinding[];
  /** True when no finding is an error. */
  ok: boolean;
}

/** Options of {@link lintSegData}. */
export interface SegLintOptions {
  /** Number of classes the model will have (default: class names' count, else max label + 1 ignoring 255). */
  numClasses?: number;
  /** Label remap applied before checking (what `--remap` does at training time). */
  remap?: ReadonlyMap<number, number>;
  /** A class with less than this share of the labelled pixels is reported as imbalanced. Default 0.01. */
  minClassShare?: number;
  onProgress?: ProgressCallback;
}

/**
 * Parses a remap like `255:1` or `255:1,3:0` (from:to label values, 0–255).
 * @throws ModelkitError `E_USAGE` for a malformed remap.
 */
export function parseRemap(text: string): Map<number, number> {
  const map = new Map<number, number>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2]) : NaN;
    if (!m || from > 255 || to > 255) throw new ModelkitError(ErrorCodes.USAGE, `--remap: "${part}" is not FROM:TO with label values 0-255 (e.g. 255:1)`);
    map.set(from, to);
  }
  return map;
}

/** Applies a label remap in place. */
export function applyRemap(mask: Uint8Array, remap: ReadonlyMap<number, number> | undefined): Uint8Array {
  if (!remap || remap.size === 0) return mask;
  const lut = new Uint8Array(256).map((_, i) => remap.get(i) ?? i);
  for (let i = 0; i < mask.length; i++) mask[i] = lut[mask[i]];
  return mask;
}

const MAX_FILES = 20;

/**
 * Decodes every entry and reports the data set's problems; never throws for a bad file
 * (that is a finding). Reads images and masks once each.
 */
export async function lintSegData(entries: SegEntry[], options: SegLintOptions & { classNames?: string[] } = {}): Promise<SegLintReport> {
  const hist = new Float64Array(256);
  const perImageValues: { file: string; values: Set<number> }[] = [];
  const unreadable: string[] = [];
  const mismatched: string[] = [];
  const details: string[] = [];
  emitProgress(options.onProgress, { task: 'seg lint', phase: 'start', done: 0, total: entries.length, unit: 'images' });
  for (const [k, entry] of entries.entries()) {
    try {
      const { image, mask } = await decodeSegEntry(entry);
      if (image.width !== mask.width || image.height !== mask.height) {
        mismatched.push(entry.image);
        if (details.length < 3) details.push(`${basename(entry.image)} ${image.width}x${image.height} vs mask ${mask.width}x${mask.height}`);
      }
      const data = applyRemap(mask.data, options.remap);
      const values = new Set<number>();
      const local = new Float64Array(256);
      for (let i = 0; i < data.length; i++) local[data[i]]++;
      local.forEach((c, v) => {
        if (c > 0) {
          values.add(v);
          hist[v] += c;
        }
      });
      perImageValues.push({ file: entry.image, values });
    } catch (err) {
      unreadable.push(`${entry.image}: ${(err as Error).message}`);
    }
    emitProgress(options.onProgress, { task: 'seg lint', phase: 'progress', done: k + 1, total: entries.length, unit: 'images' });
  }
  emitProgress(options.onProgress, { task: 'seg lint', phase: 'end', done: entries.length, total: entries.length, unit: 'images' });

  const findings: SegLintFinding[] = [];
  const add = (f: Omit<SegLintFinding, 'files' | 'count'>, files: string[]): void => {
    if (files.length > 0) findings.push({ ...f, files: files.slice(0, MAX_FILES), count: files.length });
  };
  add({ code: 'unreadable', severity: 'error', message: `${unreadable.length} image(s) or mask(s) cannot be read (corrupt, empty or missing); they are skipped by --fix` }, unreadable);
  add(
    {
      code: 'size-mismatch',
      severity: 'error',
      message: `${mismatched.length} mask(s) differ in size from their image (${details.join('; ')}): pixels would not line up`,
      fix: 'modelkit train seg lint --data ... --fix OUT (resizes masks to their images, nearest neighbour)',
    },
    mismatched,
  );
  const used = [...hist.keys()].filter((v) => hist[v] > 0);
  const labelled = used.filter((v) => v !== IGNORE_INDEX);
  const maxLabel = labelled.length ? Math.max(...labelled) : 0;
  const numClasses = options.numClasses ?? options.classNames?.length ?? maxLabel + 1;
  // 0/255 masks: 255 in masks whose only other value is 0, and no object label at all in those images.
  const binary = perImageValues.filter((p) => p.values.has(IGNORE_INDEX) && [...p.values].every((v) => v === 0 || v === IGNORE_INDEX));
  const binaryAll = labelled.every((v) => v === 0) && hist[IGNORE_INDEX] > 0;
  if (binary.length > 0 && (binaryAll || binary.length >= perImageValues.length / 2)) {
    add(
      {
        code: 'binary-255',
        severity: 'error',
        message: `${binary.length} mask(s) hold only 0 and 255: 255 is the ignore index, so the object is never trained and its IoU stays 0 (masks saved as black/white images)`,
        fix: '--remap 255:1 (or modelkit train seg lint --data ... --remap 255:1 --fix OUT)',
      },
      binary.map((p) => p.file),
    );
  }
  const outOfRange = perImageValues.filter((p) => [...p.values].some((v) => v !== IGNORE_INDEX && v >= numClasses));
  if (!findings.some((f) => f.code === 'binary-255')) {
    const bad = [...new Set(outOfRange.flatMap((p) => [...p.values].filter((v) => v !== IGNORE_INDEX && v >= numClasses)))].sort((a, b) => a - b);
    add(
      {
        code: 'label-out-of-range',
        severity: 'error',
        message: `${outOfRange.length} mask(s) have label value(s) ${bad.slice(0, 10).join(', ')} >= the number of classes (${numClasses}); losses would index past the class axis`,
        fix: `--remap ${bad.slice(0, 3).map((v) => `${v}:${IGNORE_INDEX}`).join(',')} (ignore them) or --num-classes ${maxLabel + 1}`,
      },
      outOfRange.map((p) => p.file),
    );
  }
  const total = labelled.filter((v) => v < numClasses).reduce((s, v) => s + hist[v], 0);
  const classShare = Array.from({ length: numClasses }, (_, c) => (total > 0 ? hist[c] / total : 0));
  if (total === 0 && perImageValues.length > 0) {
    add({ code: 'no-labels', severity: 'error', message: 'no mask has a labelled pixel (all ignore or out of range)' }, perImageValues.map((p) => p.file));
  } else if (perImageValues.length > 0) {
    const names = (c: number): string => options.classNames?.[c] ?? `class ${c}`;
    const missing = classShare.map((s, c) => (s === 0 ? c : -1)).filter((c) => c >= 0);
    if (missing.length > 0) {
      findings.push({ code: 'missing-class', severity: 'warning', message: `class(es) ${missing.map(names).join(', ')} never appear in the masks`, files: [], count: 0 });
    }
    const min = options.minClassShare ?? 0.01;
    const rare = classShare.map((s, c) => (s > 0 && s < min ? c : -1)).filter((c) => c >= 0);
    if (rare.length > 0) {
      findings.push({
        code: 'class-imbalance',
        severity: 'warning',
        message: `class imbalance: ${rare.map((c) => `${names(c)} ${(100 * classShare[c]).toFixed(2)}%`).join(', ')} of the labelled pixels`,
        files: [],
        count: 0,
        fix: '--loss ce+dice or ce+lovasz, or --ohem (online hard example mining)',
      });
    }
  }
  const histogram: Record<string, number> = {};
  for (const v of used) histogram[String(v)] = hist[v];
  return { images: entries.length, histogram, classShare, numClasses, findings, ok: !findings.some((f) => f.severity === 'error') };
}

/**
 * Writes a repaired copy of the data set into `outDir` as `images/` + `masks/`: masks
 * remapped, resized to their image (nearest neighbour) and written as 8-bit PNG label
 * maps (the label in all three channels), images copied; unreadable entries are left out. Returns the number written.
 */
export async function fixSegData(entries: SegEntry[], outDir: string, options: { remap?: ReadonlyMap<number, number> } = {}): Promise<{ written: number; skipped: string[] }> {
  await makeDirs(join(outDir, 'images'));
  await makeDirs(join(outDir, 'masks'));
  const skipped: string[] = [];
  let written = 0;
  const taken = new Set<string>();
  for (const entry of entries) {
    let decoded: Awaited<ReturnType<typeof decodeSegEntry>>;
    try {
      decoded = await decodeSegEntry(entry);
    } catch {
      skipped.push(entry.image);
      continue;
    }
    const { image, mask } = decoded;
    let stem = basename(entry.image, extname(entry.image));
    for (let k = 2; taken.has(stem); k++) stem = `${basename(entry.image, extname(entry.image))}_${k}`;
    taken.add(stem);
    let data = applyRemap(mask.data, options.remap);
    if (mask.width !== image.width || mask.height !== image.height) {
      data = resizeMask(data, mask.width, mask.height, image.width, image.height);
    }
    await copyFile(entry.image, join(outDir, 'images', `${stem}${extname(entry.image)}`));
    // The label in all three channels: readers that take the first channel or convert to grey get it back.
    const rgb = new Uint8Array(data.length * 3);
    for (let i = 0; i < data.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i]!;
    await writeFileAtomic(join(outDir, 'masks', `${stem}.png`), await encodeImage({ data: rgb, width: image.width, height: image.height }, 'png'));
    written++;
  }
  return { written, skipped };
}
