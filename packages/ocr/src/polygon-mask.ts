import type { Point } from '@modelkit/core';

/**
 * Mean of `map` inside a polygon, exactly like PaddleOCR's `box_score_fast` /
 * `box_score_slow`: the bounding box (floor of the minimum, ceil of the maximum, clipped
 * to the map), the vertices shifted into it and truncated to integers (`astype(np.int32)`),
 * rasterised with `cv2.fillPoly`, then `cv2.mean(map, mask)`.
 *
 * Written here rather than taken from a library: the DB box score decides which boxes
 * pass `boxThresh`, so it has to pick the same pixels as OpenCV, and no npm rasteriser
 * follows cv2.fillPoly's rules (see {@link fillPolyMask}).
 */
export function polygonMean(map: Float32Array, width: number, height: number, polygon: readonly Point[]): number {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of polygon) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const x0 = clamp(Math.floor(minX), 0, width - 1);
  const x1 = clamp(Math.ceil(maxX), 0, width - 1);
  const y0 = clamp(Math.floor(minY), 0, height - 1);
  const y1 = clamp(Math.ceil(maxY), 0, height - 1);
  const mw = x1 - x0 + 1;
  const mh = y1 - y0 + 1;
  const pts = polygon.map(([x, y]): [number, number] => [Math.trunc(x - x0), Math.trunc(y - y0)]);
  const mask = fillPolyMask(pts, mw, mh);
  let sum = 0;
  let count = 0;
  for (let y = 0; y < mh; y++) {
    const row = (y + y0) * width + x0;
    for (let x = 0; x < mw; x++) {
      if (mask[y * mw + x]) {
        sum += map[row + x];
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

// OpenCV's drawing code keeps x in 16.16 fixed point.
const XY_SHIFT = 16;
const XY_ONE = 2 ** XY_SHIFT;

interface Edge {
  y0: number;
  y1: number;
  /** x at y0, fixed point. */
  x: number;
  /** x step per row, fixed point (C integer division: truncated). */
  dx: number;
}

/**
 * `cv2.fillPoly(mask, [pts], 1)` with its defaults (8-connected, no shift) on a
 * `width × height` mask, following OpenCV's drawing.cpp: every edge drawn as an
 * 8-connected Bresenham line (clipped like `clipLine`), then the even-odd scanline fill of
 * `FillEdgeCollection` (16.16 fixed-point edge x with a truncated per-row step, span from
 * the left x rounded up to the right x rounded down, rows `y0 <= y < y1`). Checked against
 * OpenCV 4.6's `cv2.fillPoly` on 300 random rotated boxes: identical masks.
 *
 * @param pts integer vertices in mask pixels (may lie outside the mask)
 */
export function fillPolyMask(pts: readonly (readonly [number, number])[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const n = pts.length;
  const edges: Edge[] = [];
  let p0 = pts[n - 1];
  for (let i = 0; i < n; i++) {
    const p1 = pts[i];
    drawLine(mask, width, height, p0, p1);
    // Edges keep their unclipped endpoints, as in OpenCV 4.6 (the reference we matched
    // pixel for pixel); OpenCV >= 4.7 clips them first, which only changes polygons that
    // cross the mask border.
    if (p0[1] !== p1[1]) {
      const fx0 = p0[0] * XY_ONE;
      const fx1 = p1[0] * XY_ONE;
      const dx = Math.trunc((fx1 - fx0) / (p1[1] - p0[1]));
      edges.push(p0[1] < p1[1] ? { y0: p0[1], y1: p1[1], x: fx0, dx } : { y0: p1[1], y1: p0[1], x: fx1, dx });
    }
    p0 = p1;
  }
  if (edges.length < 2) return mask;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const e of edges) {
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
  }
  const xs: number[] = [];
  for (let y = Math.max(yMin, 0); y < Math.min(yMax, height); y++) {
    xs.length = 0;
    for (const e of edges) if (e.y0 <= y && y < e.y1) xs.push(e.x + (y - e.y0) * e.dx);
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Left end rounded up, right end down (FillEdgeCollection's `delta = XY_ONE - 1`).
      let a = Math.floor((xs[k] + XY_ONE - 1) / XY_ONE);
      let b = Math.floor(xs[k + 1] / XY_ONE);
      if (a >= width || b < 0) continue;
      if (a < 0) a = 0;
      if (b >= width) b = width - 1;
      if (a <= b) mask.fill(1, y * width + a, y * width + b + 1);
    }
  }
  return mask;
}

/** OpenCV `Line` with an 8-connected `LineIterator` (left to right), clipped to the mask. */
function drawLine(mask: Uint8Array, width: number, height: number, a: readonly [number, number], b: readonly [number, number]): void {
  let [x1, y1] = a;
  let [x2, y2] = b;
  if (x1 < 0 || x1 >= width || x2 < 0 || x2 >= width || y1 < 0 || y1 >= height || y2 < 0 || y2 >= height) {
    const clipped = clipLine(width, height, x1, y1, x2, y2);
    if (!clipped) return;
    [x1, y1, x2, y2] = clipped;
  }
  let dx = x2 - x1;
  let dy = y2 - y1;
  if (dx < 0) {
    dx = -dx;
    dy = -dy;
    [x1, y1, x2, y2] = [x2, y2, x1, y1];
  }
  let stepX = 1;
  let stepY = 1;
  if (dy < 0) {
    dy = -dy;
    stepY = -1;
  }
  const vertical = dy > dx;
  const major = vertical ? dy : dx;
  const minor = vertical ? dx : dy;
  let err = major - 2 * minor;
  let x = x1;
  let y = y1;
  for (let i = 0; i <= major; i++) {
    mask[y * width + x] = 1;
    // The minor coordinate moves when the error went negative, as in LineIterator::operator++.
    const minorStep = err < 0;
    err += -2 * minor + (minorStep ? 2 * major : 0);
    if (vertical) {
      y += stepY;
      if (minorStep) x += stepX;
    } else {
      x += stepX;
      if (minorStep) y += stepY;
    }
  }
}

/** OpenCV `clipLine` (integer Cohen–Sutherland with truncating divisions). */
function clipLine(width: number, height: number, x1: number, y1: number, x2: number, y2: number): [number, number, number, number] | undefined {
  const right = width - 1;
  const bottom = height - 1;
  const code = (x: number, y: number): number => (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0);
  let c1 = code(x1, y1);
  let c2 = code(x2, y2);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    if (c1 & 12) {
      const a = c1 < 8 ? 0 : bottom;
      x1 += Math.trunc(((a - y1) * (x2 - x1)) / (y2 - y1));
      y1 = a;
      c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0);
    }
    if (c2 & 12) {
      const a = c2 < 8 ? 0 : bottom;
      x2 += Math.trunc(((a - y2) * (x2 - x1)) / (y2 - y1));
      y2 = a;
      c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        const a = c1 === 1 ? 0 : right;
        y1 += Math.trunc(((a - x1) * (y2 - y1)) / (x2 - x1));
        x1 = a;
        c1 = 0;
      }
      if (c2) {
        const a = c2 === 1 ? 0 : right;
        y2 += Math.trunc(((a - x2) * (y2 - y1)) / (x2 - x1));
        x2 = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0 ? [x1, y1, x2, y2] : undefined;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
