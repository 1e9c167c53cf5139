import { readdir } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { ErrorCodes, ImageError, InvalidArgumentError, loadImage, resizeImage } from '@modelkit/core';
import { rgbToFloat, type ImageTransform } from '../augment/float-image';
import type { Dataset, Example } from './dataset';
import type { SeededRng } from './seeded-rng';

/** Options of {@link ImageFolderDataset.create}. */
export interface ImageFolderOptions {
  /** Side (square) or `[width, height]` every image is resized to before augmentation. */
  size: number | [number, number];
  /** File extensions taken (lower case, with dot). Default .png .jpg .jpeg .webp .bmp .gif .tif .tiff. */
  extensions?: string[];
  /** Augmentation, on [0, 1] floats after the resize. */
  transform?: ImageTransform;
  /** Per-channel normalisation `(v - mean) / std` after augmentation. Default: none (values in [0, 1]). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Use these class folders in this order (default: every subfolder, sorted). */
  classNames?: string[];
}

const DEFAULT_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff'];

/**
 * Images in class subfolders (`root/<class>/<image>`), like torchvision's ImageFolder and
 * PaddleHub's image datasets. Only paths are listed up front; each `get` decodes (core's
 * `loadImage`, EXIF-aware) and resizes one image, so memory stays flat for any size.
 */
export class ImageFolderDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];
  readonly numClasses: number;

  private constructor(
    readonly root: string,
    readonly classNames: string[],
    readonly files: { path: string; label: number }[],
    private readonly options: ImageFolderOptions,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.length = files.length;
    this.inputShape = [height, width, 3];
    this.numClasses = classNames.length;
    this.targetShape = [classNames.length];
  }

  /** Lists `root`'s class folders and image files. */
  static async create(root: string, options: ImageFolderOptions): Promise<ImageFolderDataset> {
    const [width, height] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
      throw new InvalidArgumentError(`ImageFolderDataset: size must be positive integers, got ${String(options.size)}`);
    }
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (err) {
      throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `ImageFolderDataset: cannot read folder '${root}'`, { cause: err, details: { file: root } });
    }
    const classNames = options.classNames ?? entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    if (classNames.length === 0) throw new InvalidArgumentError(`ImageFolderDataset: '${root}' has no class subfolders`);
    const exts = new Set((options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase()));
    const files: { path: string; label: number }[] = [];
    for (let label = 0; label < classNames.length; label++) {
      const dir = join(root, classNames[label]);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `ImageFolderDataset: cannot read class folder '${dir}'`, { cause: err, details: { file: dir } });
      }
      for (const name of names.sort()) if (exts.has(extname(name).toLowerCase())) files.push({ path: join(dir, name), label });
    }
    if (files.length === 0) throw new InvalidArgumentError(`ImageFolderDataset: no images with extensions ${[...exts].join(' ')} under '${root}'`);
    return new ImageFolderDataset(root, classNames, files, options, width, height);
  }

  async get(index: number, rng: SeededRng): Promise<Example> {
    const file = this.files[index];
    if (!file) throw new InvalidArgumentError(`ImageFolderDataset: index ${index} out of range [0, ${this.length})`);
    const rgb = await loadImage(file.path);
    const sized = rgb.width === this.width && rgb.height === this.height ? rgb : await resizeImage(rgb, this.width, this.height);
    let img = rgbToFloat(sized);
    if (this.options.transform) img = this.options.transform(img, rng);
    const { mean, std } = this.options;
    if (mean || std) {
      const m = mean ?? [0, 0, 0];
      const s = std ?? [1, 1, 1];
      // img.data is always our own array (rgbToFloat copies), so normalising in place is safe.
      const d = img.data;
      for (let i = 0; i < d.length; i++) d[i] = (d[i] - m[i % 3]) / s[i % 3];
    }
    return { input: img.data, target: file.label };
  }
}
