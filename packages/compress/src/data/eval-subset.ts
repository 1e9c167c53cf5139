/**
 * A kit evaluates a data folder through its fixed evaluation file (e.g.
 * `DIR/ocr/ocr_gt.json`). To evaluate only some of the images, or another file in the same
 * format (`ocr/ocr_gt_large.json`), this writes a data folder whose evaluation file lists
 * just those images, with paths pointing back at the originals (nothing is copied).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { readJsonFile } from './images';

/** Keys whose values are paths relative to the data folder (images and label masks). */
const PATH_KEYS = new Set(['image', 'file_name', 'mask']);

type Json = Record<string, unknown>;

function rewritePaths(entry: Json, from: string, to: string): Json {
  const out: Json = { ...entry };
  for (const [k, v] of Object.entries(entry)) {
    if (PATH_KEYS.has(k) && typeof v === 'string') out[k] = relative(to, resolve(from, v));
  }
  return out;
}

/**
 * Writes `outFile` (inside `outDir`, the new data folder) with the entries of `evalFile`
 * (paths relative to `dataDir`) whose image is in `keep` (absolute paths). Knows COCO files
 * (`images` + `annotations`) and lists of `{ image, ... }` records.
 * @throws ModelkitError `E_INVALID_ARGUMENT` for another format.
 */
export async function writeEvalSubset(evalFile: string, dataDir: string, keep: ReadonlySet<string>, outDir: string, outFile: string): Promise<number> {
  const json = readJsonFile(evalFile);
  const kept = (p: unknown): boolean => typeof p === 'string' && keep.has(resolve(dataDir, p));
  let out: unknown;
  let count: number;
  if (Array.isArray(json) && json.every((e) => e !== null && typeof e === 'object' && 'image' in e)) {
    const entries = (json as Json[]).filter((e) => kept(e.image)).map((e) => rewritePaths(e, dataDir, outDir));
    out = entries;
    count = entries.length;
  } else if (json !== null && typeof json === 'object' && Array.isArray((json as Json).images)) {
    const coco = json as Json;
    const images = (coco.images as Json[]).filter((i) => kept(i.file_name));
    const ids = new Set(images.map((i) => i.id));
    const annotations = Array.isArray(coco.annotations) ? (coco.annotations as Json[]).filter((a) => ids.has(a.image_id)) : coco.annotations;
    out = { ...coco, images: images.map((i) => rewritePaths(i, dataDir, outDir)), annotations };
    count = images.length;
  } else {
    throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `${evalFile}: cannot take a subset of this evaluation file (expected COCO or a list of {image, ...})`, { details: { file: evalFile } });
  }
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(out));
  return count;
}
