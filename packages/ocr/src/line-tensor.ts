import type { RgbImage } from '@modelkit/core';
import type { PixelNormalization } from './input-spec';

/**
 * A line model's pixel normalisation as lookup tables: `table[c * 256 + v]` is the value of
 * 8-bit level `v` in tensor channel `c`, read from RGB channel `source[c]`.
 */
export interface LineEncoding {
  table: Float32Array;
  source: readonly [number, number, number];
}

/**
 * Tabulates `(v / 255 - mean[c]) / std[c]` for every 8-bit level. For PP-OCR's mean = std
 * = 0.5 these are the same float32 values as `v / 127.5 - 1` (checked for all 256 levels),
 * so the tensors stay bit-identical to PaddleOCR's `resize_norm_img`.
 */
export function lineEncoding(n: PixelNormalization): LineEncoding {
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - n.mean[c]) / n.std[c];
  }
  return { table, source: n.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2] };
}

/**
 * Writes a text-line image into an NCHW batch slot the way PaddleOCR's rec/cls
 * `resize_norm_img` does: normalised as `encoding` says (PP-OCR: BGR, (x/255 − 0.5)/0.5),
 * left-aligned, and the rest of the slot left at 0.
 *
 * Our own loop rather than core's `imageToTensor`: the padding lives in normalised space
 * (0 = mid-grey), which no 8-bit pixel value maps to, and the image is narrower than
 * the slot, so it cannot be a plain contiguous layout.
 *
 * @param img   already resized to the slot height and at most `slotWidth` wide
 * @param out   batch tensor [N, 3, img.height, slotWidth], zero-filled
 * @param index batch index
 */
export function writeLineTensor(img: RgbImage, out: Float32Array, index: number, slotWidth: number, encoding: LineEncoding): void {
  const { width, height, data } = img;
  const plane = height * slotWidth;
  const base = index * 3 * plane;
  const w = Math.min(width, slotWidth);
  const { table } = encoding;
  const [s0, s1, s2] = encoding.source;
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * 3;
    const rowOut = base + y * slotWidth;
    for (let x = 0; x < w; x++) {
      const i = rowIn + x * 3;
      out[rowOut + x] = table[data[i + s0]];
      out[rowOut + plane + x] = table[256 + data[i + s1]];
      out[rowOut + 2 * plane + x] = table[512 + data[i + s2]];
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
