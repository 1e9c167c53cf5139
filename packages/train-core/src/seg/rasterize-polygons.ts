/** COCO segmentations (polygons, RLE) to label maps. */
import { InvalidArgumentError } from '@modelkit/core';

/**
 * Fills polygons (`[x0, y0, x1, y1, …]` in pixels, COCO's form) into `mask` with `value`:
 * a pixel is inside when its centre is, by the even-odd rule on each polygon.
 */
export function fillPolygons(mask: Uint8Array, width: number, height: number, polygons: readonly (readonly number[])[], value: number): void {
  for (const poly of polygons) {
    const n = Math.floor(poly.length / 2);
    if (n < 3) continue;
    const xs: number[] = [];
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      xs.length = 0;
      for (let i = 0; i < n; i++) {
        const x1 = poly[2 * i];
        const y1 = poly[2 * i + 1];
        const j = (i + 1) % n;
        const x2 = poly[2 * j];
        const y2 = poly[2 * j + 1];
        // Half-open in y so a vertex on the scanline counts once.
        if ((y1 <= cy && y2 > cy) || (y2 <= cy && y1 > cy)) xs.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const from = Math.max(0, Math.ceil(xs[k] - 0.5));
        const to = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
        for (let x = from; x <= to; x++) mask[y * width + x] = value;
      }
    }
  }
}

/** COCO's compressed RLE string (the LEB128-like code of pycocotools' `rleFrString`) to run lengths. */
function decodeRleString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
      if (p > s.length) throw new InvalidArgumentError('truncated COCO RLE string');
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/**
 * Sets `value` where a COCO RLE (`{ size: [h, w], counts }`, column-major, runs starting
 * with zeros; `counts` a number list or the compressed string) is 1.
 * @throws InvalidArgumentError when the RLE's size is not the image's.
 */
export function fillRle(mask: Uint8Array, width: number, height: number, rle: { size: [number, number]; counts: number[] | string }, value: number): void {
  if (rle.size[0] !== height || rle.size[1] !== width) {
    throw new InvalidArgumentError(`COCO RLE of size ${rle.size[1]}x${rle.size[0]} on a ${width}x${height} image`);
  }
  const counts = typeof rle.counts === 'string' ? decodeRleString(rle.counts) : rle.counts;
  let pos = 0;
  counts.forEach((run, i) => {
    if (i % 2 === 1) {
      for (let k = pos; k < pos + run && k < width * height; k++) {
        // Column-major index k → row k % h, column ⌊k / h⌋.
        mask[(k % height) * width + Math.floor(k / height)] = value;
      }
    }
    pos += run;
  });
}
