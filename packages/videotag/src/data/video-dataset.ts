/**
 * A labelled set of videos for `videotag train` and `videotag eval`: either class
 * subfolders (`DIR/<label>/*.mp4`, one label per video) or a JSON list with multi-labels
 * (`DIR/labels.json`: `[{"video": "clips/a.mp4", "labels": ["dog", "beach"]}]`, paths
 * relative to DIR). `DIR/train` + `DIR/val` of either kind give a fixed split.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError } from '@modelkit/core';
import { VIDEO_EXTENSIONS } from './video-extensions';

/** One labelled video. */
export interface LabelledVideo {
  /** Absolute path. */
  video: string;
  labels: string[];
}

/** A listed dataset. */
export interface VideoDataset {
  items: LabelledVideo[];
  /** Every label, sorted. */
  labels: string[];
  layout: 'folders' | 'list';
}

/** The name of the JSON list file. */
export const LABELS_FILE = 'labels.json';

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function listFolders(dir: string): LabelledVideo[] {
  const items: LabelledVideo[] = [];
  for (const label of readdirSync(dir).sort()) {
    const sub = join(dir, label);
    if (!isDir(sub) || label.startsWith('.')) continue;
    for (const f of readdirSync(sub).sort()) {
      if (VIDEO_EXTENSIONS.includes(extname(f).toLowerCase())) items.push({ video: resolve(sub, f), labels: [label] });
    }
  }
  return items;
}

function listJson(dir: string): LabelledVideo[] {
  const file = join(dir, LABELS_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not valid JSON: ${(err as Error).message}`, { details: { file } });
  }
  if (!Array.isArray(doc)) throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} must be a list of {"video", "labels"}`, { details: { file } });
  return doc.map((e: unknown, i) => {
    const r = e as { video?: unknown; labels?: unknown };
    if (typeof r?.video !== 'string' || !Array.isArray(r.labels) || r.labels.length === 0 || r.labels.some((l) => typeof l !== 'string' || l === '')) {
      throw new ModelkitError(ErrorCodes.BAD_JSON, `${file}[${i}] must be {"video": "<path>", "labels": ["<label>", …]}`, { details: { file, index: i } });
    }
    return { video: resolve(dir, r.video), labels: [...new Set(r.labels as string[])] };
  });
}

/** Lists one folder (class subfolders, or a labels.json). */
function listOne(dir: string): { items: LabelledVideo[]; layout: VideoDataset['layout'] } {
  if (existsSync(join(dir, LABELS_FILE))) return { items: listJson(dir), layout: 'list' };
  return { items: listFolders(dir), layout: 'folders' };
}

/**
 * Lists a dataset folder.
 * @throws ModelkitError `E_FILE_NOT_FOUND` (no folder, no videos), `E_BAD_JSON` (a bad
 *   labels.json), `E_INVALID_ARGUMENT` (fewer than two labels when `minLabels` is 2).
 */
export function readVideoDataset(dir: string, options: { minLabels?: number } = {}): VideoDataset & { val?: LabelledVideo[] } {
  if (!isDir(dir)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `the data folder ${dir} does not exist`, { details: { path: dir } });
  let items: LabelledVideo[];
  let val: LabelledVideo[] | undefined;
  let layout: VideoDataset['layout'];
  if (isDir(join(dir, 'train')) && isDir(join(dir, 'val'))) {
    const t = listOne(join(dir, 'train'));
    items = t.items;
    layout = t.layout;
    val = listOne(join(dir, 'val')).items;
  } else {
    ({ items, layout } = listOne(dir));
  }
  if (items.length === 0) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `no videos in ${dir}: put them in class subfolders (${dir}/<label>/*.mp4) or list them in ${join(dir, LABELS_FILE)}`, { details: { path: dir } });
  }
  const labels = [...new Set([...items, ...(val ?? [])].flatMap((i) => i.labels))].sort();
  if (labels.length < (options.minLabels ?? 1)) throw new InvalidArgumentError(`${dir} has ${labels.length} label(s) (${labels.join(', ')}); training needs at least ${options.minLabels}`);
  return { items, labels, layout, ...(val && { val }) };
}

/** The multi-hot target of a video over `labels`. */
export function multiHot(item: LabelledVideo, labels: readonly string[]): Float32Array {
  const y = new Float32Array(labels.length);
  for (const l of item.labels) {
    const i = labels.indexOf(l);
    if (i >= 0) y[i] = 1;
  }
  return y;
}
