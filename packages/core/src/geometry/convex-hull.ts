import type { Point } from './types';
import { assertPoints } from './validate';

/**
 * Convex hull by Andrew's monotone chain, O(n log n). Collinear and duplicate points are
 * dropped. The hull has positive {@link polygonSignedArea} (clockwise on screen, where y
 * points down) and starts at the point with the smallest x (then smallest y).
 * Fewer than 3 distinct points come back as they are (deduplicated, sorted).
 */
export function convexHull(points: readonly Point[]): Point[] {
  assertPoints(points, 'points');
  const pts = points.map((p): Point => [p[0], p[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const unique: Point[] = [];
  for (const p of pts) {
    const last = unique[unique.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) unique.push(p);
  }
  if (unique.length < 3) return unique;
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of unique) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = unique.length - 1; i >= 0; i--) {
    const p = unique[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}
