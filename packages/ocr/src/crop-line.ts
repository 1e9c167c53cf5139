import { quadCropSize, rotateImage, warpQuad } from '@modelkit/core';
import type { Quad, RgbImage } from '@modelkit/core';

// PaddleOCR rotates crops whose height is at least 1.5× their width (vertical text).
const VERTICAL_RATIO = 1.5;

/**
 * Upright crop of one text box (PaddleOCR `get_rotate_crop_image`): perspective warp to
 * the quad's side lengths, then a quarter turn counter-clockwise for tall crops so
 * vertical text reads left to right.
 */
export function cropLine(img: RgbImage, box: Quad, interpolation: 'bicubic' | 'bilinear' = 'bicubic'): RgbImage {
  const size = quadCropSize(box);
  // Bicubic by default like PaddleOCR's cv2.warpPerspective(INTER_CUBIC, BORDER_REPLICATE);
  // bilinear was ~5x faster here (13 vs 67 ms for 53 receipt lines) for users who prefer speed.
  const crop = warpQuad(img, box, { width: Math.max(size.width, 1), height: Math.max(size.height, 1) }, { interpolation });
  // np.rot90 turns counter-clockwise; core's rotateImage turns clockwise, so 270.
  return crop.height / crop.width >= VERTICAL_RATIO ? rotateImage(crop, 270) : crop;
}
