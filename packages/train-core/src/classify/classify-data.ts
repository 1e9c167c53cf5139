import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ErrorCodes, InvalidArgumentError, isModelkitError, type ErrorCode } from '@modelkit/core';
import type { ImageTransform } from '../augment/float-image';
import { ImageFolderDataset } from '../data/image-folder-dataset';
import { mixSeed, SeededRng } from '../data/seeded-rng';
import { MemoryImageDataset } from './memory-image-dataset';
import { loadClassifierImage } from './preprocess';

/** An image left out because it could not be decoded. */
export interface SkippedImage {
  file: string;
  code: ErrorCode;
  message: string;
}

/** Options of {@link loadClassifyData}. */
export interface LoadClassifyDataOptions {
  size: number;
  /** Fraction of each class held out when there are no `train/` + `val/` folders. */
  valSplit: number;
  seed: number;
  /** Training augmentation. */
  transform?: ImageTransform;
  /** Class names the data must have (from a saved run, on resume). */
  classNames?: string[];
  /** Called once per skipped image. */
  onSkip?: (skipped: SkippedImage) => void;
}

/** The datasets of a classification run. */
export interface ClassifyData {
  classNames: string[];
  train: MemoryImageDataset;
  /** Absent when `valSplit` is 0 and there is no `val/` folder. */
  val?: MemoryImageDataset;
  /** `folders`: DATA/train + DATA/val; `holdout`: a seeded per-class split of DATA. */
  split: 'folders' | 'holdout';
  skipped: SkippedImage[];
}

// Decoding errors that mean "this one file is bad": skip it, keep the run. Anything
// else (a bug, out of memory) stops the run.
const SKIPPABLE: ReadonlySet<string> = new Set([ErrorCodes.IMAGE_DECODE, ErrorCodes.IMAGE_EMPTY, ErrorCodes.IMAGE_TOO_LARGE, ErrorCodes.FILE_NOT_FOUND]);

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function decodeAll(
  root: string,
  files: readonly { path: string; label: number }[],
  size: number,
  skipped: SkippedImage[],
  onSkip?: (s: SkippedImage) => void,
): Promise<{ images: Uint8Array[]; labels: number[] }> {
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  // A few decodes in flight keep libuv's pool (sharp) busy without holding many full-size photos.
  const decoded = new Array<Uint8Array | undefined>(files.length);
  const width = 4;
  for (let i = 0; i < files.length; i += width) {
    await Promise.all(
      files.slice(i, i + width).map(async (f, k) => {
        try {
          decoded[i + k] = (await loadClassifierImage(f.path, size)).data;
        } catch (err) {
          if (!isModelkitError(err) || !SKIPPABLE.has(err.code)) throw err;
          const s: SkippedImage = { file: relative(root, f.path) || f.path, code: err.code, message: err.message };
          skipped.push(s);
          onSkip?.(s);
        }
      }),
    );
  }
  files.forEach((f, i) => {
    if (decoded[i]) {
      images.push(decoded[i]!);
      labels.push(f.label);
    }
  });
  return { images, labels };
}

function checkEveryClass(what: string, labels: number[], classNames: string[]): void {
  const counts = new Array<number>(classNames.length).fill(0);
  for (const l of labels) counts[l]!++;
  const empty = classNames.filter((_, i) => counts[i] === 0);
  if (empty.length > 0) {
    throw new InvalidArgumentError(`${what}: class folder(s) ${empty.join(', ')} hold no readable images`, { details: { classes: empty } });
  }
}

/**
 * Reads a folder of class subfolders for `train classify`. With `DATA/train/<class>/` and
 * `DATA/val/<class>/` those are the split; otherwise `DATA/<class>/` is split per class
 * with a seeded shuffle (`valSplit` of each class, at least one image of every class
 * with two or more). Every image is decoded and resized once; undecodable files are
 * skipped and reported, a class left without images is an error.
 *
 * @throws ImageError `E_FILE_NOT_FOUND` when DATA does not exist; InvalidArgumentError
 *   when it has fewer than two class folders, no images, an empty class, or classes that
 *   differ from `classNames`.
 */
export async function loadClassifyData(data: string, options: LoadClassifyDataOptions): Promise<ClassifyData> {
  const { size } = options;
  const skipped: SkippedImage[] = [];
  const split = (await isDir(join(data, 'train'))) && (await isDir(join(data, 'val'))) ? 'folders' : 'holdout';
  const trainRoot = split === 'folders' ? join(data, 'train') : data;
  const listing = await ImageFolderDataset.create(trainRoot, { size });
  const classNames = listing.classNames;
  if (classNames.length < 2) {
    throw new InvalidArgumentError(`${trainRoot} has ${classNames.length} class folder (${classNames.join(', ')}); a classifier needs at least two`, {
      details: { classes: classNames },
    });
  }
  if (options.classNames && options.classNames.join('\n') !== classNames.join('\n')) {
    throw new InvalidArgumentError(`the data's classes (${classNames.join(', ')}) differ from the saved run's (${options.classNames.join(', ')})`);
  }

  let trainFiles = listing.files;
  let valFiles: { path: string; label: number }[] = [];
  if (split === 'folders') {
    valFiles = (await ImageFolderDataset.create(join(data, 'val'), { size, classNames })).files;
  } else if (options.valSplit > 0) {
    trainFiles = [];
    for (let label = 0; label < classNames.length; label++) {
      const files = listing.files.filter((f) => f.label === label);
      const order = new SeededRng(mixSeed(options.seed, 0x76616c, label)).permutation(files.length);
      const nVal = files.length < 2 ? 0 : Math.min(files.length - 1, Math.max(1, Math.round(files.length * options.valSplit)));
      order.forEach((idx, k) => (k < nVal ? valFiles : trainFiles).push(files[idx]!));
    }
    // Listing order (class by class, names sorted), so the split does not depend on the shuffle of other classes.
    const rank = new Map(listing.files.map((f, i) => [f.path, i]));
    const byListing = (a: { path: string }, b: { path: string }): number => rank.get(a.path)! - rank.get(b.path)!;
    trainFiles.sort(byListing);
    valFiles.sort(byListing);
  }

  const train = await decodeAll(data, trainFiles, size, skipped, options.onSkip);
  checkEveryClass(`${trainRoot} (training images)`, train.labels, classNames);
  const val = valFiles.length > 0 ? await decodeAll(data, valFiles, size, skipped, options.onSkip) : undefined;
  if (val && split === 'folders') checkEveryClass(`${join(data, 'val')}`, val.labels, classNames);
  const n = classNames.length;
  return {
    classNames,
    train: new MemoryImageDataset(train.images, train.labels, n, size, options.transform),
    val: val && val.images.length > 0 ? new MemoryImageDataset(val.images, val.labels, n, size) : undefined,
    split,
    skipped,
  };
}
