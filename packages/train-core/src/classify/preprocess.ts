import { loadImage, resizeImage, type ImageInput, type RgbImage } from '@modelkit/core';

/**
 * How `train classify` turns a file into model input, shared by training and
 * `train predict` so both see the same pixels: decode (EXIF-aware), then stretch to
 * `size`² with libvips' linear kernel. Not the cv2-compatible default of `resizeImage`:
 * that one samples 2×2 taps without averaging, which aliases when user photos shrink
 * ~50× to classifier size; nothing here has to match a Paddle reference.
 */
export async function loadClassifierImage(input: ImageInput, size: number): Promise<RgbImage> {
  const rgb = await loadImage(input);
  return rgb.width === size && rgb.height === size ? rgb : resizeImage(rgb, size, size, { engine: 'sharp' });
}

/** The input spec written into the model card: what {@link loadClassifierImage} plus /255 produce. */
export function classifierInputSpec(size: number): Record<string, unknown> {
  return { name: 'image', layout: 'nhwc', channelOrder: 'rgb', height: size, width: size, scale: 1 / 255, resize: 'stretch, linear (libvips)' };
}
