import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { ErrorCodes, ImageError, InvalidArgumentError } from '../errors';
import type { ImageInput, LoadImageOptions, RawPixels, RgbImage } from './types';

/** Default pixel cap of `loadImage` (100 MP) when neither the option nor the env var is set. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * The pixel cap in effect: `options.maxPixels`, else `MODELKIT_MAX_PIXELS`, else 100 MP.
 * A malformed value is an InvalidArgumentError rather than silently "no cap".
 */
export function resolveMaxPixels(maxPixels?: number): number {
  if (maxPixels !== undefined) {
    if (typeof maxPixels !== 'number' || Number.isNaN(maxPixels) || maxPixels < 1) {
      throw new InvalidArgumentError(`maxPixels must be a number >= 1, got ${String(maxPixels)}`);
    }
    return maxPixels;
  }
  const env = process.env.MODELKIT_MAX_PIXELS;
  if (env === undefined || env.trim() === '') return DEFAULT_MAX_PIXELS;
  const v = Number(env);
  if (Number.isNaN(v) || v < 1) {
    throw new InvalidArgumentError(`MODELKIT_MAX_PIXELS must be a number >= 1, got '${env}'`);
  }
  return v;
}

/**
 * Decodes an image into packed 8-bit RGB.
 *
 * - EXIF orientation is applied (as cv2.imread does by default), so width/height are those
 *   of the upright image.
 * - Grey becomes R=G=B; an alpha channel is dropped without compositing, like
 *   cv2.imread(IMREAD_COLOR) in PaddleOCR (transparent pixels keep their stored colour).
 * - 16-bit images are reduced to 8 bits.
 * - Raw pixels (1/3/4 channels) are converted the same way and always copied.
 *
 * @throws ImageError E_FILE_NOT_FOUND (missing/unreadable file), E_IMAGE_EMPTY (zero bytes or
 *   zero size), E_IMAGE_TOO_LARGE (over the pixel cap, checked from the header before any
 *   pixel is decoded), E_IMAGE_DECODE (corrupt, truncated or unknown format). Messages name
 *   the file, or `options.name` / `<buffer>` for in-memory input.
 */
export async function loadImage(input: ImageInput, options: LoadImageOptions = {}): Promise<RgbImage> {
  const maxPixels = resolveMaxPixels(options.maxPixels);
  if (typeof input === 'string') {
    const bytes = await readImageFile(input);
    return decodeEncoded(bytes, input, maxPixels);
  }
  if (input instanceof Uint8Array) {
    return decodeEncoded(input, options.name ?? '<buffer>', maxPixels);
  }
  if (isRawPixels(input)) {
    return rawToRgb(input, options.name ?? '<raw pixels>', maxPixels);
  }
  throw new InvalidArgumentError(
    'loadImage: input must be a file path, a Buffer/Uint8Array of encoded bytes, or RawPixels { data, width, height, channels }',
  );
}

function isRawPixels(v: unknown): v is RawPixels {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Partial<RawPixels>;
  return (r.data instanceof Uint8Array || r.data instanceof Uint8ClampedArray) && r.channels !== undefined;
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(err)})`;
    throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `Image file '${path}' ${why}`, { cause: err, details: { file: path } });
  }
}

async function decodeEncoded(bytes: Uint8Array, name: string, maxPixels: number): Promise<RgbImage> {
  if (bytes.length === 0) {
    throw new ImageError(ErrorCodes.IMAGE_EMPTY, `Image '${name}' is empty (0 bytes)`, { details: { file: name } });
  }
  // sharp's own limit is a second guard; our header check below gives the better message.
  // failOn 'truncated' rejects cut-off files that libjpeg would otherwise decode partially
  // (grey bottom rows), while tolerating harmless warnings that cv2.imread also ignores.
  const sharpOptions: SharpOptions = {
    failOn: 'truncated',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
  };
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { ...sharpOptions, limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(name, err);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width === 0 || height === 0) {
    throw new ImageError(ErrorCodes.IMAGE_EMPTY, `Image '${name}' has zero size (${width}x${height})`, { details: { file: name } });
  }
  checkPixelCap(width, height, maxPixels, name);
  try {
    const { data, info } = await sharp(bytes, sharpOptions)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`unexpected ${info.channels} channels after conversion to sRGB`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw decodeError(name, err);
  }
}

function decodeError(name: string, err: unknown): ImageError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(msg)) {
    return new ImageError(ErrorCodes.IMAGE_TOO_LARGE, `Image '${name}' exceeds the pixel limit`, { cause: err, details: { file: name } });
  }
  return new ImageError(ErrorCodes.IMAGE_DECODE, `Image '${name}' could not be decoded (corrupt, truncated or unsupported format): ${msg}`, {
    cause: err,
    details: { file: name },
  });
}

function checkPixelCap(width: number, height: number, maxPixels: number, name: string): void {
  if (width * height > maxPixels) {
    throw new ImageError(
      ErrorCodes.IMAGE_TOO_LARGE,
      `Image '${name}' is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels} (raise it with the maxPixels option or MODELKIT_MAX_PIXELS)`,
      { details: { file: name, width, height, maxPixels } },
    );
  }
}

function rawToRgb(raw: RawPixels, name: string, maxPixels: number): RgbImage {
  const { width, height, channels, data } = raw;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new InvalidArgumentError(`Raw image '${name}': width and height must be integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError(`Raw image '${name}': channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (width === 0 || height === 0 || data.length === 0) {
    throw new ImageError(ErrorCodes.IMAGE_EMPTY, `Raw image '${name}' is empty (${width}x${height})`, { details: { file: name } });
  }
  checkPixelCap(width, height, maxPixels, name);
  const n = width * height;
  if (data.length !== n * channels) {
    throw new InvalidArgumentError(
      `Raw image '${name}': data has ${data.length} bytes, expected ${n * channels} for ${width}x${height}x${channels}`,
    );
  }
  const out = new Uint8Array(n * 3);
  if (channels === 3) {
    out.set(data);
  } else {
    for (let i = 0, j = 0, k = 0; i < n; i++, j += channels, k += 3) {
      const r = data[j];
      out[k] = r;
      out[k + 1] = channels === 1 ? r : data[j + 1];
      out[k + 2] = channels === 1 ? r : data[j + 2];
    }
  }
  return { data: out, width, height };
}
