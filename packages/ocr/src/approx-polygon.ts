import type { Point } from '@modelkit/core';

/**
 * Simplifies a closed contour with the Douglas-Peucker algorithm (cv2.approxPolyDP with
 * `closed = true`): the contour is split at the point farthest from its first point,
 * then each half is simplified so no dropped point is farther than `epsilon` from the
 * kept chord. Used by DB's `boxType: 'poly'`.
 */
export function approxClosedPolygon(contour: readonly Point[], epsilon: number): Point[] {
  const n = contour.length;
  if (n < 3) return contour.map((p) => [p[0], p[1]] as Point);
  let far = 0;
  let farD = -1;
  for (let i = 1; i < n; i++) {
    const d = (contour[i][0] - contour[0][0]) ** 2 + (contour[i][1] - contour[0][1]) ** 2;
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  simplify(contour, 0, far, epsilon, keep);
  simplify(contour, far, n, epsilon, keep);
  const out: Point[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push([contour[i][0], contour[i][1]]);
  return out;
}

/** Marks the points to keep between indices a and b (b may equal n, meaning index 0). */
function simplify(c: readonly Point[], a: number, b: number, eps: number, keep: Uint8Array): void {
  const stack: [number, number][] = [[a, b]];
  const n = c.length;
  while (stack.length > 0) {
    const [s, e] = stack.pop() as [number, number];
    if (e - s < 2) continue;
    const [ax, ay] = c[s];
    const [bx, by] = c[e % n];
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let best = -1;
    let bestD = -1;
    for (let i = s + 1; i < e; i++) {
      const px = c[i][0] - ax;
      const py = c[i][1] - ay;
      const d = len === 0 ? Math.hypot(px, py) : Math.abs(px * dy - py * dx) / len;
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    if (bestD > eps) {
      keep[best] = 1;
      stack.push([s, best], [best, e]);
    }
  }
}
