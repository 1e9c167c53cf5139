import { loadImage } from './load-image';
import type { ImageInput, LoadImageOptions, RgbImage } from './types';

/** What a kit's `run` accepts: anything {@link loadImage} reads, or an already decoded {@link RgbImage}. */
export type ImageSource = ImageInput | RgbImage;

/**
 * True for an {@link RgbImage}-shaped object: `data` bytes plus `width`/`height`, and no
 * `channels` (which would make it {@link RawPixels} for `loadImage`).
 */
export function isRgbImage(input: unknown): input is RgbImage {
  if (typeof input !== 'object' || input === null || input instanceof Uint8Array) return false;
  const o = input as Partial<RgbImage> & { channels?: unknown };
  return o.channels === undefined && o.data instanceof Uint8Array && typeof o.width === 'number' && typeof o.height === 'number';
}

/**
 * The input as an {@link RgbImage}: a well-formed RgbImage is returned as is (not copied,
 * since pipelines only read it), anything else goes through {@link loadImage}. An
 * RgbImage whose size and byte count disagree gets loadImage's raw-pixel error.
 *
 * @throws ImageError / InvalidArgumentError as {@link loadImage}.
 */
export async function toRgbImage(input: ImageSource, options: LoadImageOptions = {}): Promise<RgbImage> {
  if (!isRgbImage(input)) return loadImage(input, options);
  const { width, height, data } = input;
  const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && data.length === width * height * 3;
  return valid ? input : loadImage({ data, width, height, channels: 3 }, options);
}
