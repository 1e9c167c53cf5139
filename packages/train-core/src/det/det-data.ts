/**
 * Detection annotations from disk: a COCO instances JSON or YOLO txt folders, read into
 * one form ({@link DetSample}) and checked, so every later stage can trust them.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, withFsErrors } from '@modelkit/core';

/** One image and its objects. */
export interface DetSample {
  /** Absolute path of the image file. */
  image: string;
  /**
   * Boxes `x1, y1, x2, y2` per object, packed: in pixels of the file (COCO), or in 0..1 of
   * its width and height when {@link normalized} (YOLO: the size is known after decoding).
   */
  boxes: Float32Array;
  /** Class index per object. */
  classes: Int32Array;
  /** Boxes are fractions of the image size (YOLO) rather than pixels (COCO). */
  normalized: boolean;
  /** Image size stated by the annotation file (COCO), checked against the decoded image. */
  width?: number;
  height?: number;
  /** COCO image id, when the samples came from a COCO file. */
  id?: number;
}

/** Annotations read by {@link loadDetData}. */
export interface DetData {
  format: 'coco' | 'yolo';
  classNames: string[];
  /** All samples; or the training part when the folder has its own split. */
  samples: DetSample[];
  /** The folder's own validation split (YOLO `val/`), when it has one. */
  val?: DetSample[];
  /** Notes on what was fixed or dropped (boxes clipped to the image, crowd boxes skipped). */
  warnings: string[];
  /** The folder image paths are relative to (COCO: the image root; YOLO: the data folder). */
  root: string;
}

const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif']);

interface CocoImage {
  id: number;
  file_name: string;
  width?: number;
  height?: number;
}
interface CocoAnnotation {
  image_id: number;
  category_id: number;
  bbox: number[];
  iscrowd?: number;
  id?: number;
}
interface CocoCategory {
  id: number;
  name: string;
}

/** Options of {@link loadDetData}. */
export interface LoadDetDataOptions {
  /**
   * Folder that COCO `file_name`s are relative to. Default: the JSON's folder, else the
   * nearest folder above it where the first image exists (COCO files often sit in
   * `annotations/` with paths relative to the data root).
   */
  imageRoot?: string;
  /** Only these class names (COCO category names), in this order; others are dropped. */
  classes?: string[];
}

/**
 * Reads detection annotations: `path` is a COCO instances JSON file, or a YOLO folder
 * (`images/` + `labels/` with one `class cx cy w h` line per object, normalised; or
 * `train/` and `val/` folders of that form, or `images/{train,val}` + `labels/{train,val}`),
 * whose class names come from `classes.txt` / `obj.names` / `data.yaml` `names:`.
 *
 * @throws ModelkitError `E_FILE_NOT_FOUND` for a missing path or image, `E_BAD_JSON` for a
 *   file that is not COCO JSON, `E_INVALID_ARGUMENT` for empty annotation sets, unknown
 *   category ids or class indices, and boxes that lie entirely outside their image.
 */
export async function loadDetData(path: string, options: LoadDetDataOptions = {}): Promise<DetData> {
  if (!existsSync(path)) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `--data ${path} does not exist`, { details: { path } });
  const data = statSync(path).isDirectory() ? await loadYolo(path) : await loadCoco(path, options);
  if (options.classes) selectClasses(data, options.classes);
  const objects = data.samples.reduce((n, s) => n + s.classes.length, 0);
  if (data.samples.length === 0 || objects === 0) {
    throw new InvalidArgumentError(`${path}: no annotated objects to train on (${data.samples.length} images, ${objects} boxes)`, { details: { path } });
  }
  return data;
}

function selectClasses(data: DetData, wanted: string[]): void {
  const map = data.classNames.map((n) => wanted.indexOf(n));
  const missing = wanted.filter((n) => !data.classNames.includes(n));
  if (missing.length) throw new InvalidArgumentError(`classes ${missing.join(', ')} are not in the data (it has ${data.classNames.join(', ')})`);
  const remap = (s: DetSample): DetSample => {
    const keep = Array.from(s.classes.keys()).filter((i) => map[s.classes[i]] >= 0);
    return {
      ...s,
      classes: Int32Array.from(keep.map((i) => map[s.classes[i]])),
      boxes: Float32Array.from(keep.flatMap((i) => Array.from(s.boxes.subarray(i * 4, i * 4 + 4)))),
    };
  };
  data.samples = data.samples.map(remap);
  if (data.val) data.val = data.val.map(remap);
  data.classNames = [...wanted];
}

async function loadCoco(file: string, options: LoadDetDataOptions): Promise<DetData> {
  const text = await withFsErrors(file, 'read', () => readFile(file, 'utf8'));
  if (text.trim().length === 0) throw new InvalidArgumentError(`${file} is empty: expected a COCO instances JSON file (images, annotations, categories)`);
  let json: { images?: unknown; annotations?: unknown; categories?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not valid JSON: ${(err as Error).message}`, { cause: err, details: { path: file } });
  }
  if (!json || !Array.isArray(json.images) || !Array.isArray(json.annotations) || !Array.isArray(json.categories)) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not a COCO instances file: it needs "images", "annotations" and "categories" arrays`, {
      details: { path: file },
    });
  }
  const images = json.images as CocoImage[];
  const categories = [...(json.categories as CocoCategory[])].sort((a, b) => a.id - b.id);
  if (categories.length === 0) throw new InvalidArgumentError(`${file} has no categories`);
  const catIndex = new Map(categories.map((c, i) => [c.id, i]));
  const root = options.imageRoot ?? findImageRoot(file, images);
  const warnings: string[] = [];
  const byImage = new Map<number, { boxes: number[]; classes: number[] }>();
  let crowd = 0;
  let clipped = 0;
  let degenerate = 0;
  const imageById = new Map(images.map((im) => [im.id, im]));
  for (const a of json.annotations as CocoAnnotation[]) {
    const im = imageById.get(a.image_id);
    if (!im) throw new InvalidArgumentError(`${file}: annotation ${a.id ?? '?'} refers to image_id ${a.image_id}, which is not in "images"`);
    const cls = catIndex.get(a.category_id);
    if (cls === undefined) {
      throw new InvalidArgumentError(
        `${file}: annotation ${a.id ?? '?'} has category_id ${a.category_id}, which is not in "categories" (${categories.map((c) => `${c.id} ${c.name}`).join(', ')})`,
      );
    }
    if (a.iscrowd) {
      crowd++;
      continue;
    }
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InvalidArgumentError(`${file}: annotation ${a.id ?? '?'} needs "bbox": [x, y, width, height] in pixels`);
    }
    const [x, y, w, h] = a.bbox;
    const W = im.width ?? Infinity;
    const H = im.height ?? Infinity;
    if (x >= W || y >= H || x + w <= 0 || y + h <= 0) {
      throw new InvalidArgumentError(
        `${file}: annotation ${a.id ?? '?'} bbox [${a.bbox.join(', ')}] lies outside its ${im.width}x${im.height} image ${im.file_name}; COCO boxes are [x, y, width, height] in pixels`,
      );
    }
    const box = [Math.max(0, x), Math.max(0, y), Math.min(W, x + w), Math.min(H, y + h)];
    if (box[0] !== x || box[1] !== y || box[2] !== x + w || box[3] !== y + h) clipped++;
    if (box[2] - box[0] < 1 || box[3] - box[1] < 1) {
      degenerate++;
      continue;
    }
    const entry = byImage.get(a.image_id) ?? { boxes: [], classes: [] };
    entry.boxes.push(...box);
    entry.classes.push(cls);
    byImage.set(a.image_id, entry);
  }
  if (crowd) warnings.push(`${crowd} crowd annotations (iscrowd) skipped`);
  if (clipped) warnings.push(`${clipped} boxes clipped to their image`);
  if (degenerate) warnings.push(`${degenerate} boxes under 1 px wide or high dropped`);
  const samples: DetSample[] = images.map((im) => {
    const e = byImage.get(im.id);
    return {
      image: isAbsolute(im.file_name) ? im.file_name : join(root, im.file_name),
      boxes: Float32Array.from(e?.boxes ?? []),
      classes: Int32Array.from(e?.classes ?? []),
      normalized: false,
      width: im.width,
      height: im.height,
      id: im.id,
    };
  });
  return { format: 'coco', classNames: categories.map((c) => c.name), samples, warnings, root: resolve(root) };
}

/** The JSON's folder or the nearest one above it where the first image's `file_name` exists. */
function findImageRoot(file: string, images: CocoImage[]): string {
  const first = images.find((im) => typeof im.file_name === 'string');
  let dir = dirname(resolve(file));
  if (!first) return dir;
  if (isAbsolute(first.file_name)) return dir;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, first.file_name))) return d;
    if (dirname(d) === d) break;
  }
  throw new ModelkitError(
    ErrorCodes.FILE_NOT_FOUND,
    `${file}: image ${first.file_name} is neither next to the JSON nor under any folder above it; pass the folder its file_names are relative to (--images DIR)`,
    { details: { path: first.file_name } },
  );
}

async function loadYolo(dir: string): Promise<DetData> {
  const classNames = await yoloClassNames(dir);
  const warnings: string[] = [];
  const layouts: [string, string, string][] = [
    [join(dir, 'train', 'images'), join(dir, 'train', 'labels'), 'train'],
    [join(dir, 'images', 'train'), join(dir, 'labels', 'train'), 'train'],
  ];
  const split = layouts.find(([images]) => existsSync(images));
  if (split) {
    const valImages = split[0].replace(/train(?=[/\\]images$|$)/, 'val');
    const valLabels = split[1].replace(/train(?=[/\\]labels$|$)/, 'val');
    const samples = await yoloFolder(split[0], split[1], classNames, warnings);
    const val = existsSync(valImages) ? await yoloFolder(valImages, valLabels, classNames, warnings) : undefined;
    return { format: 'yolo', classNames, samples, val, warnings, root: resolve(dir) };
  }
  const images = join(dir, 'images');
  if (!existsSync(images)) {
    throw new ModelkitError(
      ErrorCodes.FILE_NOT_FOUND,
      `${dir} is not a YOLO folder: expected images/ and labels/ (or train/ and val/ holding them), or give a COCO JSON file`,
      { details: { path: dir } },
    );
  }
  return { format: 'yolo', classNames, samples: await yoloFolder(images, join(dir, 'labels'), classNames, warnings), warnings, root: resolve(dir) };
}

async function yoloClassNames(dir: string): Promise<string[]> {
  for (const name of ['classes.txt', 'obj.names']) {
    const p = join(dir, name);
    if (existsSync(p)) {
      const names = (await readFile(p, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
      if (names.length === 0) throw new InvalidArgumentError(`${p} lists no class names`);
      return names;
    }
  }
  const yaml = ['data.yaml', 'dataset.yaml'].map((n) => join(dir, n)).find((p) => existsSync(p));
  if (yaml) {
    const names = parseYamlNames(await readFile(yaml, 'utf8'));
    if (names) return names;
    throw new InvalidArgumentError(`${yaml}: no "names:" list (names: [a, b] or names:\\n  0: a)`);
  }
  throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${dir}: YOLO class names not found; write one name per line into ${join(dir, 'classes.txt')}`, {
    details: { path: join(dir, 'classes.txt') },
  });
}

/** The `names:` of a YOLO data.yaml in its two usual forms: a flow list, or `index: name` / `- name` lines. */
function parseYamlNames(text: string): string[] | undefined {
  const unquote = (s: string): string => s.trim().replace(/^['"]|['"]$/g, '');
  const flow = /^names:\s*\[(.*)\]\s*$/m.exec(text);
  if (flow) return flow[1].split(',').map(unquote).filter((s) => s.length > 0);
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^names:\s*$/.test(l));
  if (start < 0) return undefined;
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+(?:-\s*|\d+\s*:\s*)(.+)$/.exec(line);
    if (!m) break;
    names.push(unquote(m[1]));
  }
  return names.length ? names : undefined;
}

async function yoloFolder(imagesDir: string, labelsDir: string, classNames: string[], warnings: string[]): Promise<DetSample[]> {
  const files = (await withFsErrors(imagesDir, 'read', () => readdir(imagesDir))).filter((f) => IMAGE_EXTS.has(extname(f).toLowerCase())).sort();
  let unlabelled = 0;
  const samples: DetSample[] = [];
  for (const f of files) {
    const label = join(labelsDir, `${basename(f, extname(f))}.txt`);
    const boxes: number[] = [];
    const classes: number[] = [];
    if (existsSync(label)) {
      const lines = (await readFile(label, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
      lines.forEach((line, i) => {
        const v = line.split(/\s+/).map(Number);
        if (v.length < 5 || v.some((x) => !Number.isFinite(x))) {
          throw new InvalidArgumentError(`${label}:${i + 1}: expected "class cx cy w h" (numbers, box normalised to 0..1), got "${line}"`);
        }
        const [c, cx, cy, w, h] = v;
        if (!Number.isInteger(c) || c < 0 || c >= classNames.length) {
          throw new InvalidArgumentError(`${label}:${i + 1}: class ${c} is not one of the ${classNames.length} classes (0..${classNames.length - 1})`);
        }
        const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        if (box[0] >= 1 || box[1] >= 1 || box[2] <= 0 || box[3] <= 0 || w <= 0 || h <= 0) {
          throw new InvalidArgumentError(`${label}:${i + 1}: box "${line}" lies outside the image; YOLO boxes are cx cy w h as fractions of the image size`);
        }
        boxes.push(Math.max(0, box[0]), Math.max(0, box[1]), Math.min(1, box[2]), Math.min(1, box[3]));
        classes.push(c);
      });
    } else {
      unlabelled++;
    }
    samples.push({ image: resolve(imagesDir, f), boxes: Float32Array.from(boxes), classes: Int32Array.from(classes), normalized: true });
  }
  if (unlabelled) warnings.push(`${unlabelled} images in ${imagesDir} have no label file (trained as background)`);
  return samples;
}
