import { InvalidArgumentError } from '../errors';
import type { Point } from './types';

/** Options of {@link findContours}. */
export interface FindContoursOptions {
  /**
   * Also return hole borders (the inner outlines of rings), as cv2's `RETR_LIST` does.
   * Default `false`: only the outer border of every 8-connected region (islands inside
   * holes included).
   */
  holes?: boolean;
}

// Neighbour codes as in OpenCV's chain codes: 0 = right, then counter-clockwise on
// screen (1 = up-right, 2 = up, ..., 7 = down-right).
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];
// Border marks (see `findContours`).
const VISITED = 1;
const RIGHT = 2;

/**
 * Borders of the foreground (non-zero) regions of a binary map, with 8-connectivity,
 * like `cv2.findContours(mask, RETR_LIST, CHAIN_APPROX_SIMPLE)` (OpenCV 4): Suzuki–Abe
 * border following, pixels on the image edge count as foreground (the map is padded
 * with zeros, as OpenCV does), straight horizontal/vertical/diagonal runs are reduced to
 * their end points, and an outer border starts at its top-left pixel and runs
 * counter-clockwise on screen. Contours are returned in cv2's order (last found first).
 *
 * Why our own: no maintained npm package does Suzuki–Abe without pulling in OpenCV.js
 * (~8 MB wasm). Two byte maps (padded mask, border marks) are the only allocations
 * besides the output.
 *
 * @param mask row-major `width * height` map; any non-zero value is foreground.
 */
export function findContours(mask: Uint8Array, width: number, height: number, options: FindContoursOptions = {}): Point[][] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new InvalidArgumentError(`findContours: width and height must be non-negative integers, got ${width}x${height}`);
  }
  if (!(mask instanceof Uint8Array) || mask.length !== width * height) {
    throw new InvalidArgumentError(`findContours: mask must be a Uint8Array of width*height = ${width * height} bytes`, {
      details: { length: (mask as Uint8Array | undefined)?.length },
    });
  }
  const keepHoles = options.holes === true;
  const w2 = width + 2;
  const n = w2 * (height + 2);
  // The mask with a 1-pixel zero border (so neighbour reads need no bounds checks), copied
  // row by row with the native `set` (a memcpy) and never written after; its length is
  // rounded up to whole 32-bit words so the scan below can skip 4 background pixels at once.
  const fg = new Uint8Array((n + 3) & ~3);
  for (let y = 0; y < height; y++) fg.set(mask.subarray(y * width, (y + 1) * width), (y + 1) * w2 + 1);
  const words = new Int32Array(fg.buffer);
  // Suzuki's marks, kept apart from `fg` so the mask's own non-zero values need no
  // normalising pass: 0 not yet on a border, VISITED on a traced border, RIGHT on a border
  // pixel whose right neighbour is background (Suzuki's negative label). RETR_LIST never
  // reads which border a pixel belongs to, so constants replace the per-border numbers.
  const mk = new Uint8Array(n);
  // Offsets of the 8 neighbours, doubled so a search can run past code 7 without a modulo.
  const delta = new Int32Array(16);
  for (let s = 0; s < 8; s++) delta[s] = delta[s + 8] = DY[s] * w2 + DX[s];

  const contours: Point[][] = [];
  // Raster scan of the padded frame (the zero border never starts a border, so scanning it
  // whole keeps cv2's row-major order), skipping all-background words.
  for (let w = 0, nw = words.length; w < nw; w++) {
    if (words[w] === 0) continue;
    for (let i0 = w << 2, end = i0 + 4; i0 < end; i0++) {
      if (fg[i0] === 0) continue;
      const m = mk[i0];
      let isHole: boolean;
      if (m === 0 && fg[i0 - 1] === 0) isHole = false;
      else if (m !== RIGHT && fg[i0 + 1] === 0) isHole = true;
      else continue;
      const y = (i0 / w2) | 0;
      const points = traceBorder(fg, mk, delta, i0, i0 - y * w2 - 1, y - 1, isHole);
      if (!isHole || keepHoles) contours.push(points);
    }
  }
  return contours.reverse();
}

// Follows one border from its start pixel i0 (image coordinates x, y) and marks it in mk.
// Returns the CHAIN_APPROX_SIMPLE points: the pixels where the chain direction changes.
function traceBorder(f: Uint8Array, mk: Uint8Array, delta: Int32Array, i0: number, x: number, y: number, isHole: boolean): Point[] {
  const points: Point[] = [];
  // Step 3.1: search clockwise from the background neighbour that started the border
  // (left for an outer border, right for a hole) for the first foreground neighbour.
  const sStart = isHole ? 0 : 4;
  let s = sStart;
  let i1 = i0;
  do {
    s = (s - 1) & 7;
    i1 = i0 + delta[s];
  } while (f[i1] === 0 && s !== sStart);
  if (f[i1] === 0) {
    // Isolated pixel.
    mk[i0] = RIGHT;
    points.push([x, y]);
    return points;
  }
  let i3 = i0;
  let px = x;
  let py = y;
  let prevS = s ^ 4;
  for (;;) {
    // Step 3.3: search counter-clockwise, starting just after the pixel we came from.
    const sEnd = s;
    let i4 = i3;
    while (s < 15) {
      i4 = i3 + delta[++s];
      if (f[i4] !== 0) break;
    }
    s &= 7;
    // Step 3.4: the right neighbour (code 0) was examined and found background.
    if (s - 1 >= 0 && s - 1 < sEnd) mk[i3] = RIGHT;
    else if (mk[i3] === 0) mk[i3] = VISITED;
    if (s !== prevS) {
      points.push([px, py]);
      prevS = s;
    }
    px += DX[s];
    py += DY[s];
    // Step 3.5: back at the start pixel, about to repeat the first move.
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return points;
}
