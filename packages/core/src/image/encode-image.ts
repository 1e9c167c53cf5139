import { writeFileAtomic } from '../fs/write-file-atomic';
import { extname } from 'node:path';
import sharp from 'sharp';
import { InvalidArgumentError } from '../errors';
import { assertRgbImage } from './assert-image';
import type { RgbImage } from './types';

/** Options of `encodeImage`. */
export interface EncodeOptions {
  /** JPEG quality 1..100 (default 90). Ignored for PNG. */
  quality?: number;
}

/** Encodes an image as PNG (lossless) or JPEG. */
export async function encodeImage(img: RgbImage, format: 'png' | 'jpeg', o: EncodeOptions = {}): Promise<Buffer> {
  assertRgbImage(img, 'encodeImage');
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  if (format === 'png') return s.png().toBuffer();
  if (format === 'jpeg') {
    const quality = o.quality ?? 90;
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
      throw new InvalidArgumentError(`encodeImage: quality must be an integer 1..100, got ${String(quality)}`);
    }
    return s.jpeg({ quality }).toBuffer();
  }
  throw new InvalidArgumentError(`encodeImage: format must be 'png' or 'jpeg', got ${String(format)}`);
}

/**
 * Writes an image to `path`, PNG or JPEG by extension (.png, .jpg, .jpeg). The file is
 * written to a temporary sibling and renamed, so readers never see a half-written image.
 */
export async function saveImage(img: RgbImage, path: string): Promise<void> {
  const ext = extname(path).toLowerCase();
  const format = ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : undefined;
  if (format === undefined) {
    throw new InvalidArgumentError(`saveImage: cannot tell the format of '${path}': use a .png, .jpg or .jpeg extension`);
  }
  const bytes = await encodeImage(img, format);
  await writeFileAtomic(path, bytes);
}
