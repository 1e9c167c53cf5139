/**
 * What users do with a person mask: replace the background (a colour, an ID-photo preset
 * or another image), cut the person out as a transparent PNG, or visualise the mask.
 */
import sharp from 'sharp';
import { InvalidArgumentError, cropImage, resizeImage } from '@modelkit/core';
import type { RawPixels, RgbImage } from '@modelkit/core';
import { parseColor } from './colors';
import type { ColorInput } from './colors';
import { assertMask, maskAlphaReader, toByteMask } from './mask';
import type { SegMask } from './mask';

/** The new background of {@link replaceBackground}: a colour or an image (scaled to cover the photo and centre-cropped). */
export type Background = { color: ColorInput } | { image: RgbImage };

function assertSameSize(image: RgbImage, mask: SegMask, where: string): void {
  if (!image || !(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 3) {
    throw new InvalidArgumentError(`${where}: image must be an RgbImage { data: Uint8Array(width*height*3), width, height }`);
  }
  assertMask(mask, where);
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new InvalidArgumentError(`${where}: mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}`, {
      details: { mask: [mask.width, mask.height], image: [image.width, image.height] },
    });
  }
}

/** Scales `bg` to cover `width`×`height` (keeping its aspect ratio) and centre-crops it. */
export async function coverImage(bg: RgbImage, width: number, height: number): Promise<RgbImage> {
  const scale = Math.max(width / bg.width, height / bg.height);
  const sw = Math.max(width, Math.round(bg.width * scale));
  const sh = Math.max(height, Math.round(bg.height * scale));
  const scaled = sw === bg.width && sh === bg.height ? bg : await resizeImage(bg, sw, sh, { engine: 'sharp' });
  return cropImage(scaled, { x: Math.floor((sw - width) / 2), y: Math.floor((sh - height) / 2), width, height });
}

/**
 * Alpha-blends the photo over a new background: out = α·photo + (1 − α)·background, with
 * α the mask's probability (soft edges stay soft). Returns a new image.
 */
export async function replaceBackground(image: RgbImage, mask: SegMask, background: Background): Promise<RgbImage> {
  assertSameSize(image, mask, 'replaceBackground');
  const { width, height } = image;
  const alpha = maskAlphaReader(mask);
  const out = new Uint8Array(image.data.length);
  const src = image.data;
  if (background && 'color' in background) {
    const [r, g, b] = parseColor(background.color);
    for (let i = 0, j = 0; i < width * height; i++, j += 3) {
      const a = alpha(i);
      out[j] = Math.round(src[j] * a + r * (1 - a));
      out[j + 1] = Math.round(src[j + 1] * a + g * (1 - a));
      out[j + 2] = Math.round(src[j + 2] * a + b * (1 - a));
    }
    return { data: out, width, height };
  }
  if (!background || !('image' in background)) throw new InvalidArgumentError('replaceBackground: background must be { color } or { image }');
  const bg = (await coverImage(background.image, width, height)).data;
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    const a = alpha(i);
    for (let c = 0; c < 3; c++) out[j + c] = Math.round(src[j + c] * a + bg[j + c] * (1 - a));
  }
  return { data: out, width, height };
}

/** The photo with the mask as alpha channel: RGBA raw pixels (alpha 0..255). */
export function cutoutPixels(image: RgbImage, mask: SegMask): RawPixels & { data: Uint8Array; channels: 4 } {
  assertSameSize(image, mask, 'cutout');
  const a = toByteMask(mask).data;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = image.data[3 * i];
    out[4 * i + 1] = image.data[3 * i + 1];
    out[4 * i + 2] = image.data[3 * i + 2];
    out[4 * i + 3] = a[i];
  }
  return { data: out, width: image.width, height: image.height, channels: 4 };
}

/** A transparent cut-out: RGBA PNG bytes of the photo with the mask as alpha. */
export async function cutout(image: RgbImage, mask: SegMask): Promise<Buffer> {
  const px = cutoutPixels(image, mask);
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: 4 } }).png().toBuffer();
}

/** Options of {@link overlayMask}. */
export interface OverlayOptions {
  /** Tint of the person region (default red `#FF0000`). */
  color?: ColorInput;
  /** Opacity of the tint where the mask is 1 (default 0.5). */
  opacity?: number;
}

/** Visualisation: the photo with the person region tinted in proportion to the mask. */
export function overlayMask(image: RgbImage, mask: SegMask, options: OverlayOptions = {}): RgbImage {
  assertSameSize(image, mask, 'overlayMask');
  const tint = parseColor(options.color ?? '#FF0000');
  const opacity = options.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) throw new InvalidArgumentError(`overlayMask: opacity must be in [0, 1], got ${String(opacity)}`);
  const alpha = maskAlphaReader(mask);
  const out = new Uint8Array(image.data.length);
  for (let i = 0, j = 0; i < image.width * image.height; i++, j += 3) {
    const a = alpha(i) * opacity;
    for (let c = 0; c < 3; c++) out[j + c] = Math.round(image.data[j + c] * (1 - a) + tint[c] * a);
  }
  return { data: out, width: image.width, height: image.height };
}

/** The mask as a greyscale PNG (0 = background, 255 = person). */
export async function encodeMaskPng(mask: SegMask): Promise<Buffer> {
  const m = toByteMask(mask);
  // Without the explicit colourspace sharp would write a 3-channel PNG.
  return sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}
