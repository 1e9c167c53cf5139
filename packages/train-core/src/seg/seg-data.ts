/**
 * Reading segmentation data sets in the forms PaddleSeg users bring: a folder with
 * `images/` and `masks/` (PNG label maps, one class index per pixel), a JSON list
 * `[{ image, mask }]` (as `seg_gt.json`), or COCO instances JSON whose polygons (and crowd
 * RLEs, as ignore) are rasterised here.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ErrorCodes, ImageError, ModelkitError, loadImage, type RgbImage } from '@modelkit/core';
import { fillPolygons, fillRle } from './rasterize-polygons';
import { IGNORE_INDEX } from './seg-sample';

/** A COCO annotation already mapped to a class index. */
export interface CocoShape {
  /** Polygons in pixels, or an RLE. */
  segmentation: number[][] | { size: [number, number]; counts: number[] | string };
  /** Class index (1 … K; 0 is background). */
  classIndex: number;
  iscrowd: boolean;
}

/** One image and where its labels come from. Paths are absolute. */
export interface SegEntry {
  image: string;
  /** A PNG label map. */
  mask?: string;
  /** COCO shapes to rasterise (with the image's size from the JSON). */
  coco?: { width: number; height: number; shapes: CocoShape[] };
}

/** Entries of one or more sources and the class names they declare (if any). */
export interface SegSource {
  entries: SegEntry[];
  /** From COCO categories (`background` first) or `mask_values` of a JSON list. */
  classNames?: string[];
  /** The files or folders read. */
  sources: string[];
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

function badJson(file: string, message: string, cause?: unknown): ModelkitError {
  return new ModelkitError(ErrorCodes.BAD_JSON, `${file}: ${message}`, { cause, details: { file } });
}

/**
 * The folder paths inside a JSON file are relative to: `root` when given, else the JSON's
 * folder or the first of its parents where the first entry's image exists (`seg_gt.json`
 * sits in `data/seg/` and names `det/…` images relative to `data/`).
 */
function findRoot(file: string, firstImage: string | undefined, root: string | undefined): string {
  if (root) return resolve(root);
  let dir = dirname(resolve(file));
  if (firstImage === undefined) return dir;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, firstImage))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dirname(resolve(file));
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `cannot read ${file}`, { cause: err, details: { file } });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badJson(file, `not valid JSON (${(err as Error).message}); expected [{ "image", "mask" }] or COCO { images, annotations, categories }`, err);
  }
}

interface CocoJson {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; segmentation: CocoShape['segmentation']; iscrowd?: number }[];
  categories: { id: number; name: string }[];
}

function isCoco(j: unknown): j is CocoJson {
  const o = j as Partial<CocoJson> | null;
  return !!o && typeof o === 'object' && Array.isArray(o.images) && Array.isArray(o.annotations) && Array.isArray(o.categories);
}

function readCoco(file: string, j: CocoJson, root: string | undefined): SegSource {
  const cats = [...j.categories].sort((a, b) => a.id - b.id);
  if (cats.length === 0) throw badJson(file, 'COCO JSON has no categories');
  if (cats.length > 254) throw badJson(file, `COCO JSON has ${cats.length} categories; label maps hold at most 254 classes besides background`);
  const classOf = new Map(cats.map((c, i) => [c.id, i + 1]));
  const base = findRoot(file, j.images[0]?.file_name, root);
  const byImage = new Map<number, CocoShape[]>();
  for (const a of j.annotations) {
    const classIndex = classOf.get(a.category_id);
    if (classIndex === undefined) throw badJson(file, `annotation of image ${a.image_id} has category_id ${a.category_id}, not among the categories`);
    if (a.segmentation === undefined || a.segmentation === null) continue;
    const list = byImage.get(a.image_id) ?? [];
    list.push({ segmentation: a.segmentation, classIndex, iscrowd: a.iscrowd === 1 });
    byImage.set(a.image_id, list);
  }
  const entries = j.images.map((im) => {
    if (typeof im.file_name !== 'string' || !(im.width > 0) || !(im.height > 0)) throw badJson(file, `image ${im.id} needs file_name, width and height`);
    return { image: resolve(base, im.file_name), coco: { width: im.width, height: im.height, shapes: byImage.get(im.id) ?? [] } };
  });
  return { entries, classNames: ['background', ...cats.map((c) => c.name)], sources: [file] };
}

function readList(file: string, j: unknown[], root: string | undefined): SegSource {
  if (!j.every((e) => e !== null && typeof e === 'object' && typeof (e as { image?: unknown }).image === 'string' && typeof (e as { mask?: unknown }).mask === 'string')) {
    throw badJson(file, 'every entry must be an object with string "image" and "mask" paths');
  }
  const list = j as { image: string; mask: string; mask_values?: Record<string, string> }[];
  const base = findRoot(file, list[0]?.image, root);
  // `mask_values` (as in seg_gt.json) names the classes: {"0": "background", "1": "person", "255": "ignore"}.
  const values = list[0]?.mask_values;
  let classNames: string[] | undefined;
  if (values) {
    const ids = Object.keys(values).map(Number).filter((v) => Number.isInteger(v) && v !== IGNORE_INDEX).sort((a, b) => a - b);
    if (ids.length > 0 && ids.every((v, i) => v === i)) classNames = ids.map((v) => values[String(v)]!);
  }
  return { entries: list.map((e) => ({ image: resolve(base, e.image), mask: resolve(base, e.mask) })), classNames, sources: [file] };
}

async function readFolder(dir: string): Promise<SegSource> {
  const imagesDir = join(dir, 'images');
  const masksDir = join(dir, 'masks');
  if (!existsSync(imagesDir) || !existsSync(masksDir)) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${dir} needs images/ and masks/ folders (masks/<name>.png for images/<name>.<ext>), or give a JSON file`, { details: { dir } });
  }
  const masks = new Map((await readdir(masksDir)).filter((f) => extname(f).toLowerCase() === '.png').map((f) => [basename(f, extname(f)), join(masksDir, f)]));
  const images = (await readdir(imagesDir)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  const entries: SegEntry[] = [];
  const missing: string[] = [];
  for (const f of images) {
    const mask = masks.get(basename(f, extname(f)));
    if (mask) entries.push({ image: join(imagesDir, f), mask });
    else missing.push(f);
  }
  if (missing.length > 0) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${missing.length} image(s) in ${imagesDir} have no masks/<name>.png: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`, {
      details: { missing },
    });
  }
  return { entries, sources: [dir] };
}

/** Reads one data source: a folder with `images/` + `masks/`, a JSON list, or COCO JSON. */
export async function readSegSource(path: string, options: { root?: string } = {}): Promise<SegSource> {
  if (!existsSync(path)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `no such file or folder: ${path}`, { details: { path } });
  if (statSync(path).isDirectory()) return readFolder(path);
  const j = await readJson(path);
  if (Array.isArray(j)) return readList(path, j, options.root);
  if (isCoco(j)) return readCoco(path, j, options.root);
  throw badJson(path, 'expected a JSON list [{ "image", "mask" }] or COCO { images, annotations, categories }');
}

/**
 * Reads and concatenates several sources. Class names come from the first source that
 * declares them (COCO categories, `mask_values`); later declarations must agree on the
 * classes they share, so `person` stays class 1 in every source.
 */
export async function readSegSources(paths: string[], options: { root?: string } = {}): Promise<SegSource> {
  const out: SegSource = { entries: [], sources: [] };
  for (const p of paths) {
    const s = await readSegSource(p, options);
    out.entries.push(...s.entries);
    out.sources.push(...s.sources);
    if (s.classNames) {
      if (!out.classNames) out.classNames = s.classNames;
      else {
        const shared = Math.min(out.classNames.length, s.classNames.length);
        for (let i = 0; i < shared; i++) {
          if (out.classNames[i] !== s.classNames[i]) {
            throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `${p} calls class ${i} "${s.classNames[i]}", an earlier source "${out.classNames[i]}"; remap one of them`, {
              details: { classes: [out.classNames, s.classNames] },
            });
          }
        }
        if (s.classNames.length > out.classNames.length) out.classNames = s.classNames;
      }
    }
  }
  return out;
}

/**
 * Decodes a label PNG: its first channel, one class index per pixel. (Decoded through
 * core's `loadImage`: a grey PNG comes back with its value in all three channels.)
 */
export async function readLabelPng(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  let rgb: RgbImage;
  try {
    rgb = await loadImage(path);
  } catch (err) {
    const empty = existsSync(path) && statSync(path).size === 0;
    throw new ImageError(existsSync(path) ? ErrorCodes.IMAGE_DECODE : ErrorCodes.FILE_NOT_FOUND, `label mask ${path} ${empty ? 'is an empty file' : existsSync(path) ? 'cannot be decoded as a PNG' : 'does not exist'}`, {
      cause: err,
      details: { path },
    });
  }
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = rgb.data[i * 3]!;
  return { data, width: rgb.width, height: rgb.height };
}

/** An entry's image and label map at full resolution (the mask may differ in size: the linter reports that). */
export async function decodeSegEntry(entry: SegEntry): Promise<{ image: RgbImage; mask: { data: Uint8Array; width: number; height: number } }> {
  const image = await loadImage(entry.image);
  if (entry.mask) return { image, mask: await readLabelPng(entry.mask) };
  const { width, height, shapes } = entry.coco!;
  const data = new Uint8Array(width * height);
  // Instances first, then crowd regions as ignore only where no instance is (as seg_gt.json was built).
  for (const s of shapes) if (!s.iscrowd) fill(data, width, height, s, s.classIndex);
  for (const s of shapes) {
    if (!s.iscrowd) continue;
    const crowd = new Uint8Array(width * height);
    fill(crowd, width, height, s, 1);
    for (let i = 0; i < data.length; i++) if (crowd[i] && data[i] === 0) data[i] = IGNORE_INDEX;
  }
  return { image, mask: { data, width, height } };
}

function fill(mask: Uint8Array, width: number, height: number, s: CocoShape, value: number): void {
  if (Array.isArray(s.segmentation)) fillPolygons(mask, width, height, s.segmentation, value);
  else fillRle(mask, width, height, s.segmentation, value);
}
