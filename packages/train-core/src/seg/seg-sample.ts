/** The image + label-map pair that segmentation data, augmentations and training pass around. */

/** Label value that losses and metrics skip (PaddleSeg's `ignore_index`). */
export const IGNORE_INDEX = 255;

/**
 * One segmentation sample in memory: `image` is HWC RGB as floats (0–255 until
 * `normalize`), `mask` one class index per pixel (0 … classes−1, or {@link IGNORE_INDEX}).
 */
export interface SegSample {
  image: Float32Array;
  mask: Uint8Array;
  width: number;
  height: number;
}
