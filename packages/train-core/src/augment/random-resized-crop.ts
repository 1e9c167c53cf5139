import type { ImageTransform } from './float-image';
import { warpAffine } from './warp-affine';

/** Options of {@link randomResizedCrop}. Defaults are torchvision's. */
export interface RandomResizedCropOptions {
  /** Output size; default: the input size. */
  width?: number;
  height?: number;
  /** Range of the crop's area as a fraction of the image. Default [0.08, 1]. */
  scale?: [number, number];
  /** Range of the crop's aspect ratio w/h, sampled log-uniformly. Default [3/4, 4/3]. */
  ratio?: [number, number];
}

/**
 * Inception-style random resized crop: a crop of random area and aspect ratio at a random
 * place, resized (bilinear) to the output size. After 10 failed draws it falls back to
 * the central crop with the ratio clamped to the range, as torchvision does.
 */
export function randomResizedCrop(options: RandomResizedCropOptions = {}): ImageTransform {
  const [smin, smax] = options.scale ?? [0.08, 1];
  const [rmin, rmax] = options.ratio ?? [3 / 4, 4 / 3];
  return (img, rng) => {
    const W = img.width;
    const H = img.height;
    const ow = options.width ?? W;
    const oh = options.height ?? H;
    const area = W * H;
    let cw = W;
    let ch = H;
    let cx = 0;
    let cy = 0;
    let found = false;
    for (let attempt = 0; attempt < 10 && !found; attempt++) {
      const target = area * rng.uniform(smin, smax);
      const ratio = Math.exp(rng.uniform(Math.log(rmin), Math.log(rmax)));
      const w = Math.sqrt(target * ratio);
      const h = Math.sqrt(target / ratio);
      if (w <= W && h <= H && w >= 1 && h >= 1) {
        cw = w;
        ch = h;
        cx = rng.uniform(0, W - w);
        cy = rng.uniform(0, H - h);
        found = true;
      }
    }
    if (!found) {
      const r = W / H;
      if (r < rmin) {
        cw = W;
        ch = W / rmin;
      } else if (r > rmax) {
        ch = H;
        cw = H * rmax;
      }
      cx = (W - cw) / 2;
      cy = (H - ch) / 2;
    }
    return warpAffine(img, [cw / ow, 0, cx, 0, ch / oh, cy], ow, oh);
  };
}
