import type { Point } from './types';
import { assertPoints } from './validate';

/**
 * Signed shoelace area: positive when the vertices run clockwise on screen (y down),
 * i.e. counter-clockwise in the usual y-up maths orientation.
 */
export function polygonSignedArea(poly: readonly Point[]): number {
  let s = 0;
  const n = poly.length;
  for (let i = 0, j = n - 1; i < n; j = i++) s += poly[j][0] * poly[i][1] - poly[i][0] * poly[j][1];
  return s / 2;
}

/** Absolute area of a simple polygon (shoelace formula). Fewer than 3 points give 0. */
export function polygonArea(poly: readonly Point[]): number {
  assertPoints(poly, 'polygon');
  return Math.abs(polygonSignedArea(poly));
}

/** Length of the closed outline, including the edge from the last point back to the first. */
export function polygonPerimeter(poly: readonly Point[]): number {
  assertPoints(poly, 'polygon');
  let len = 0;
  const n = poly.length;
  if (n < 2) return 0;
  for (let i = 0, j = n - 1; i < n; j = i++) len += Math.hypot(poly[i][0] - poly[j][0], poly[i][1] - poly[j][1]);
  return len;
}

// Clips the convex polygon `subject` (flat xy array, positive orientation) against the
// half-plane left of a->b and returns the clipped flat xy array (Sutherland–Hodgman step).
function clipHalfPlane(subject: number[], ax: number, ay: number, bx: number, by: number): number[] {
  const out: number[] = [];
  const n = subject.length / 2;
  const ex = bx - ax;
  const ey = by - ay;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const px = subject[2 * i], py = subject[2 * i + 1];
    const qx = subject[2 * j], qy = subject[2 * j + 1];
    const sp = ex * (py - ay) - ey * (px - ax);
    const sq = ex * (qy - ay) - ey * (qx - ax);
    if (sp >= 0) out.push(px, py);
    if ((sp >= 0) !== (sq >= 0)) {
      const t = sp / (sp - sq);
      out.push(px + t * (qx - px), py + t * (qy - py));
    }
  }
  return out;
}

function flatArea(xy: number[]): number {
  let s = 0;
  const n = xy.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) s += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
  return s / 2;
}

// Fan triangles (p0, pi, pi+1) of a polygon, each stored with positive orientation plus
// the sign it carries in the fan decomposition. Zero-area triangles are dropped.
function fanTriangles(poly: readonly Point[]): { xy: number[]; sign: number }[] {
  const tris: { xy: number[]; sign: number }[] = [];
  const [x0, y0] = poly[0];
  for (let i = 1; i + 1 < poly.length; i++) {
    const [x1, y1] = poly[i];
    const [x2, y2] = poly[i + 1];
    const cross = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (cross > 0) tris.push({ xy: [x0, y0, x1, y1, x2, y2], sign: 1 });
    else if (cross < 0) tris.push({ xy: [x0, y0, x2, y2, x1, y1], sign: -1 });
  }
  return tris;
}

/**
 * Area of the intersection of two simple polygons, convex or not.
 *
 * Why this method: each polygon's winding function is a signed sum of its fan triangles,
 * so area(A ∩ B) = Σ sign(Ti)·sign(Uj)·area(Ti ∩ Uj), and triangle–triangle intersection
 * is a robust convex clip. Unlike Greiner–Hormann or Weiler–Atherton it has no special
 * cases for shared edges or touching vertices (common with integer OCR quads), and it
 * matches shapely's `intersection().area`, which the ICDAR2015 evaluator uses.
 */
export function polygonIntersectionArea(a: readonly Point[], b: readonly Point[]): number {
  assertPoints(a, 'polygon a');
  assertPoints(b, 'polygon b');
  if (a.length < 3 || b.length < 3) return 0;
  const ta = fanTriangles(a);
  const tb = fanTriangles(b);
  let sum = 0;
  for (const t of ta) {
    for (const u of tb) {
      let clipped = t.xy;
      for (let k = 0; k < 3 && clipped.length >= 6; k++) {
        const k2 = (k + 1) % 3;
        clipped = clipHalfPlane(clipped, u.xy[2 * k], u.xy[2 * k + 1], u.xy[2 * k2], u.xy[2 * k2 + 1]);
      }
      if (clipped.length >= 6) sum += t.sign * u.sign * flatArea(clipped);
    }
  }
  // Both winding functions are +1 or -1 inside depending on each polygon's orientation.
  const orientation = Math.sign(polygonSignedArea(a)) * Math.sign(polygonSignedArea(b));
  return Math.max(0, sum * orientation);
}

/**
 * Intersection over union of two simple polygons (any orientation, convex or not).
 * Returns 0 when the union has no area.
 */
export function polygonIou(a: readonly Point[], b: readonly Point[]): number {
  const inter = polygonIntersectionArea(a, b);
  const union = polygonArea(a) + polygonArea(b) - inter;
  return union > 0 ? Math.min(1, inter / union) : 0;
}
