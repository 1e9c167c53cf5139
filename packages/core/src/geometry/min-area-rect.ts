import { convexHull } from './convex-hull';
import type { Point, Quad } from './types';
import { assertPoints } from './validate';

/**
 * A rotated rectangle. `width` is the side along the direction `angle`, `height` the
 * perpendicular side.
 *
 * Angle convention (ours, not OpenCV's, whose convention changed in 4.5.1): degrees in
 * [0, 90), measured from the +x axis towards +y, i.e. clockwise on screen since y points
 * down. The width side runs along (cos angle, sin angle), the height side along
 * (-sin angle, cos angle). An axis-aligned rectangle has angle 0 and width = its x extent.
 */
export interface RotatedRect {
  center: Point;
  width: number;
  height: number;
  angle: number;
}

const EPS = 1e-9;

/**
 * Minimum-area enclosing rectangle of a point set (cv2.minAreaRect equivalent), by
 * rotating calipers over the convex hull: the best rectangle has a side on a hull edge.
 * Each edge is scored by projecting the hull on it, O(h²) in the hull size h; hulls of
 * contours on a 960×960 map have at most about a hundred vertices, so this stays cheap
 * and avoids the caliper pointer bookkeeping.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  assertPoints(points, 'points', 1);
  const hull = convexHull(points);
  if (hull.length === 1) return { center: [hull[0][0], hull[0][1]], width: 0, height: 0, angle: 0 };

  let best = { area: Infinity, ux: 1, uy: 0, minU: 0, maxU: 0, minV: 0, maxV: 0, ox: 0, oy: 0 };
  const n = hull.length;
  for (let i = 0; i < n; i++) {
    const [ox, oy] = hull[i];
    const [qx, qy] = hull[(i + 1) % n];
    const len = Math.hypot(qx - ox, qy - oy);
    if (len === 0) continue;
    const ux = (qx - ox) / len;
    const uy = (qy - oy) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const [px, py] of hull) {
      const dx = px - ox, dy = py - oy;
      const pu = dx * ux + dy * uy;
      const pv = -dx * uy + dy * ux;
      if (pu < minU) minU = pu;
      if (pu > maxU) maxU = pu;
      if (pv < minV) minV = pv;
      if (pv > maxV) maxV = pv;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area - EPS * Math.max(1, area)) best = { area, ux, uy, minU, maxU, minV, maxV, ox, oy };
  }
  const { ux, uy, minU, maxU, minV, maxV, ox, oy } = best;
  const cu = (minU + maxU) / 2;
  const cv = (minV + maxV) / 2;
  const center: Point = [ox + cu * ux - cv * uy, oy + cu * uy + cv * ux];
  let width = maxU - minU;
  let height = maxV - minV;
  let angle = (Math.atan2(uy, ux) * 180) / Math.PI;
  // atan2 gives (-180, 180]; a rectangle is symmetric under 180° turns, so fold into [0, 180)
  // (keeping width on the same side), then into [0, 90) by swapping width and height.
  if (angle < 0) angle += 180;
  if (angle >= 180 - EPS) angle -= 180;
  if (angle >= 90 - EPS) {
    angle -= 90;
    [width, height] = [height, width];
  }
  if (angle < EPS || angle > 90 - EPS) angle = 0;
  return { center, width, height, angle };
}

/**
 * The four corners of a rotated rectangle in PaddleOCR `get_mini_boxes` order: corners
 * sorted by x; of the two leftmost the upper one is top-left and the other bottom-left;
 * of the two rightmost the upper one is top-right and the other bottom-right.
 * Returned as [tl, tr, br, bl]. (For an exactly 45° rectangle cv2's tie order is
 * unspecified, so a corner may be labelled differently than in PaddleOCR.)
 */
export function rectCorners(rect: RotatedRect): Quad {
  const a = (rect.angle * Math.PI) / 180;
  const ux = Math.cos(a), uy = Math.sin(a);
  const hw = rect.width / 2, hh = rect.height / 2;
  const [cx, cy] = rect.center;
  const corners: Point[] = [
    [cx - hw * ux + hh * uy, cy - hw * uy - hh * ux],
    [cx + hw * ux + hh * uy, cy + hw * uy - hh * ux],
    [cx + hw * ux - hh * uy, cy + hw * uy + hh * ux],
    [cx - hw * ux - hh * uy, cy - hw * uy + hh * ux],
  ];
  const p = corners.sort((m, q) => m[0] - q[0]);
  // Same comparisons as get_mini_boxes (strict '>', so equal y picks the second point).
  const [i1, i4] = p[1][1] > p[0][1] ? [0, 1] : [1, 0];
  const [i2, i3] = p[3][1] > p[2][1] ? [2, 3] : [3, 2];
  return [p[i1], p[i2], p[i3], p[i4]];
}
