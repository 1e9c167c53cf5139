import { imageToTensor, padImage, resizeImage } from '@modelkit/core';
import type { Box, RgbImage } from '@modelkit/core';
import type { NanoDetSpec } from './model-cards';
import type { ResizeMode } from './types';

/** Where the image landed inside the model input: input = image * scale + pad. */
export interface InputTransform {
  scaleX: number;
  scaleY: number;
  padLeft: number;
  padTop: number;
  /** The original image size, to clamp boxes. */
  width: number;
  height: number;
}

/** The model input for one image and the transform that maps boxes back. */
export interface Preprocessed {
  tensor: Float32Array;
  transform: InputTransform;
}

/**
 * Fits the image to the model input: `resize` stretches it (NanoDet's own validation
 * pipeline at keep_ratio=False), `letterbox` keeps the ratio and pads centred with black,
 * as NanoDet's warp does with keep_ratio=True. Then BGR/RGB, (x*scale - mean)/std, NCHW.
 */
export async function preprocess(img: RgbImage, spec: NanoDetSpec, mode: ResizeMode): Promise<Preprocessed> {
  const { width: W, height: H } = spec;
  let input: RgbImage;
  let transform: InputTransform;
  if (mode === 'letterbox') {
    const r = Math.min(W / img.width, H / img.height);
    const w = Math.min(W, Math.max(1, Math.round(img.width * r)));
    const h = Math.min(H, Math.max(1, Math.round(img.height * r)));
    const left = Math.floor((W - w) / 2);
    const top = Math.floor((H - h) / 2);
    const resized = await resizeImage(img, w, h);
    input = w === W && h === H ? resized : padImage(resized, { left, top, right: W - w - left, bottom: H - h - top });
    transform = { scaleX: w / img.width, scaleY: h / img.height, padLeft: left, padTop: top, width: img.width, height: img.height };
  } else {
    input = await resizeImage(img, W, H);
    transform = { scaleX: W / img.width, scaleY: H / img.height, padLeft: 0, padTop: 0, width: img.width, height: img.height };
  }
  const tensor = imageToTensor(input, { layout: 'nchw', channelOrder: spec.channelOrder, scale: spec.scale, mean: spec.mean, std: spec.std });
  return { tensor, transform };
}

/** Maps a box from model-input pixels back to the original image, clamped to it. */
export function toImageBox(b: Box, t: InputTransform): Box {
  const x = (v: number): number => Math.min(t.width, Math.max(0, (v - t.padLeft) / t.scaleX));
  const y = (v: number): number => Math.min(t.height, Math.max(0, (v - t.padTop) / t.scaleY));
  return [x(b[0]), y(b[1]), x(b[2]), y(b[3])];
}
