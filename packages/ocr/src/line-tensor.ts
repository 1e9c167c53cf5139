import type { RgbImage } from '@modelkit/core';

/**
 * Writes a text-line image into an NCHW batch slot the way PaddleOCR's rec/cls
 * `resize_norm_img` does: BGR channel order (PaddleOCR feeds cv2's BGR pixels),
 * (x/255 − 0.5)/0.5, left-aligned, and the rest of the slot left at 0.
 *
 * Our own loop rather than core's `imageToTensor`: the padding lives in normalised space
 * (0 = mid-grey), which no 8-bit pixel value maps to, and the image is narrower than
 * the slot, so it cannot be a plain contiguous layout.
 *
 * @param img   already resized to the slot height and at most `slotWidth` wide
 * @param out   batch tensor [N, 3, img.height, slotWidth], zero-filled
 * @param index batch index
 */
export function writeLineTensor(img: RgbImage, out: Float32Array, index: number, slotWidth: number): void {
  const { width, height, data } = img;
  const plane = height * slotWidth;
  const base = index * 3 * plane;
  const w = Math.min(width, slotWidth);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * 3;
    const rowOut = base + y * slotWidth;
    for (let x = 0; x < w; x++) {
      const i = rowIn + x * 3;
      // BGR order: plane 0 = blue, 1 = green, 2 = red.
      out[rowOut + x] = data[i + 2] / 127.5 - 1;
      out[rowOut + plane + x] = data[i + 1] / 127.5 - 1;
      out[rowOut + 2 * plane + x] = data[i] / 127.5 - 1;
    }
  }
}

/**
 * Width a line is resized to before padding: its aspect ratio at the target height,
 * rounded up, capped at the slot width (PaddleOCR `resize_norm_img`).
 */
export function lineResizeWidth(width: number, height: number, targetHeight: number, slotWidth: number): number {
  const w = Math.ceil((targetHeight * width) / height);
  return Math.max(1, Math.min(w, slotWidth));
}
