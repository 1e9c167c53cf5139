import type { Point, Quad } from '@modelkit/core';

/**
 * Orders four points top-left, top-right, bottom-right, bottom-left like PaddleOCR's
 * `order_points_clockwise`: smallest x+y is top-left, largest is bottom-right, and of
 * the other two the one with the smaller y−x is top-right.
 */
export function orderQuad(points: readonly Point[]): Quad {
  const sums = points.map((p) => p[0] + p[1]);
  const tl = sums.indexOf(Math.min(...sums));
  let br = sums.lastIndexOf(Math.max(...sums));
  if (br === tl) br = (tl + 2) % 4;
  const rest = [0, 1, 2, 3].filter((i) => i !== tl && i !== br);
  const d = rest.map((i) => points[i][1] - points[i][0]);
  const [tr, bl] = d[0] <= d[1] ? [rest[0], rest[1]] : [rest[1], rest[0]];
  return [copy(points[tl]), copy(points[tr]), copy(points[br]), copy(points[bl])];
}

/** Clips every corner into [0, width−1] × [0, height−1] (PaddleOCR `clip_det_res`). */
export function clipQuad(quad: Quad, width: number, height: number): Quad {
  return quad.map(([x, y]) => [Math.min(Math.max(x, 0), width - 1), Math.min(Math.max(y, 0), height - 1)]) as Quad;
}

function copy(p: Point): Point {
  return [p[0], p[1]];
}
