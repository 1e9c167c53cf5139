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

/**
 * Borders of the foreground (non-zero) regions of a binary map, with 8-connectivity,
 * like `cv2.findContours(mask, RETR_LIST, CHAIN_APPROX_SIMPLE)` (OpenCV 4): Suzuki–Abe
 * border following, pixels on the image edge count as foreground (the map is padded
 * with zeros, as OpenCV does), straight horizontal/vertical/diagonal runs are reduced to
 * their end points, and an outer border starts at its top-left pixel and runs
 * counter-clockwise on screen. Contours are returned in cv2's order (last found first).
 *
 * Why our own: no maintained npm package does Suzuki–Abe without pulling in OpenCV.js
 * (~8 MB wasm). One Int32 label map is the only allocation besides the output.
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
  const h2 = height + 2;
  // Label map: 0 background, 1 unvisited foreground, +nbd visited border pixel,
  // -nbd border pixel whose right neighbour is background (Suzuki's "right bound").
  const f = new Int32Array(w2 * h2);
  for (let y = 0; y < height; y++) {
    const src = y * width;
    const dst = (y + 1) * w2 + 1;
    for (let x = 0; x < width; x++) if (mask[src + x] !== 0) f[dst + x] = 1;
  }
  // Offsets of the 8 neighbours, doubled so a search can run past code 7 without a modulo.
  const delta = new Int32Array(16);
  for (let s = 0; s < 8; s++) delta[s] = delta[s + 8] = DY[s] * w2 + DX[s];

  const contours: Point[][] = [];
  let nbd = 1;
  for (let y = 1; y <= height; y++) {
    const row = y * w2;
    for (let x = 1; x <= width; x++) {
      const i0 = row + x;
      const v = f[i0];
      if (v === 0) continue;
      let isHole: boolean;
      if (v === 1 && f[i0 - 1] === 0) isHole = false;
      else if (v >= 1 && f[i0 + 1] === 0) isHole = true;
      else continue;
      nbd++;
      const points = traceBorder(f, delta, i0, x - 1, y - 1, nbd, isHole);
      if (!isHole || keepHoles) contours.push(points);
    }
  }
  return contours.reverse();
}

// Follows one border from its start pixel i0 (image coordinates x, y) and marks it in f.
// Returns the CHAIN_APPROX_SIMPLE points: the pixels where the chain direction changes.
function traceBorder(f: Int32Array, delta: Int32Array, i0: number, x: number, y: number, nbd: number, isHole: boolean): Point[] {
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
    f[i0] = -nbd;
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
    if (s - 1 >= 0 && s - 1 < sEnd) f[i3] = -nbd;
    else if (f[i3] === 1) f[i3] = nbd;
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
