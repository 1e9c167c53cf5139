/**
 * Where calibration and validation images come from: a folder of images, or a data folder
 * in a kit's evaluation layout (the kit's eval file lists the images), or such a file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

const IMAGE = /\.(jpe?g|png|webp|bmp|tiff?|gif)$/i;
/** Keys of an evaluation file whose values are image paths relative to its data folder. */
const IMAGE_KEYS = new Set(['image', 'file_name']);

/** Image files under `dir`, recursively, sorted. */
function imagesInFolder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (IMAGE.test(entry.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Image paths (as written) in an evaluation file: every `image` / `file_name` string. */
export function imageEntries(json: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (IMAGE_KEYS.has(k) && typeof x === 'string' && IMAGE.test(x)) out.push(x);
        else walk(x);
      }
    }
  };
  walk(json);
  return [...new Set(out)];
}

/** Reads a JSON file with a typed error. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not valid JSON: ${(err as Error).message}`, { cause: err, details: { file } });
  }
}

/**
 * The data folder an evaluation file's relative image paths start from: its own folder or
 * the nearest ancestor where the first image exists (kits keep `DIR/<kit>/<file>.json`
 * with paths relative to DIR).
 */
export function dataFolderOf(file: string, entries: readonly string[]): string {
  let dir = dirname(resolve(file));
  const first = entries[0];
  if (first === undefined) return dir;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, first))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${file}: cannot find its images (${first} is not next to it or in a folder above)`, { details: { file, image: first } });
}

/** A set of images with the data folder their identities are relative to. */
export interface ImageSet {
  /** Absolute image paths, sorted. */
  images: string[];
  /** What the set came from, for reports. */
  source: string;
  /** The evaluation file the images are listed in, when there is one. */
  evalFile?: string;
  /** The data folder the evaluation file's paths are relative to. */
  dataDir?: string;
}

/**
 * Resolves `--calib`/`--val` style input: an evaluation `.json` file, a data folder that
 * holds `evalFile(dir)` (the kit's main evaluation file), or a folder of images.
 * @throws ModelkitError `E_FILE_NOT_FOUND` when the path does not exist or holds no images.
 */
export function resolveImageSet(path: string, evalFile?: (dir: string) => string | undefined): ImageSet {
  if (!existsSync(path)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${path} does not exist`, { details: { path } });
  const abs = resolve(path);
  let set: ImageSet;
  if (statSync(abs).isFile()) {
    if (!abs.endsWith('.json')) throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `${path}: give a folder of images, a data folder, or an evaluation .json file`, { details: { path } });
    set = fromEvalFile(abs);
  } else {
    const file = evalFile?.(abs);
    set = file !== undefined && existsSync(file) ? fromEvalFile(file, abs) : { images: imagesInFolder(abs), source: abs };
  }
  if (set.images.length === 0) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `no images in ${path}`, { details: { path } });
  return set;
}

function fromEvalFile(file: string, dataDir?: string): ImageSet {
  const entries = imageEntries(readJsonFile(file));
  const dir = dataDir ?? dataFolderOf(file, entries);
  return { images: entries.map((e) => resolve(dir, e)).sort(), source: file, evalFile: file, dataDir: dir };
}

/** A stable 32-bit key of an image path relative to `base`: the order and split calibration uses. */
export function pathKey(path: string, base = '/'): number {
  return createHash('sha256').update(relative(base, path).split('\\').join('/')).digest().readUInt32BE(0);
}
