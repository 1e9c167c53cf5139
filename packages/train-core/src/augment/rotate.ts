import type { ImageTransform } from './float-image';
import { centredAffine, warpAffine } from './warp-affine';

/** Rotation by an angle drawn from [-degrees, degrees] about the centre (bilinear; corners take `fill`). */
export function randomRotation(degrees: number, fill = 0): ImageTransform {
  return (img, rng) => warpAffine(img, centredAffine(img.width, img.height, { degrees: rng.uniform(-degrees, degrees) }), img.width, img.height, fill);
}
