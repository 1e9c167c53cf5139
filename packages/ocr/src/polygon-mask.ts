import type { Point } from '@modelkit/core';

/**
 * Mean of `map` inside a polygon, over the polygon's bounding box clipped to the map,
 * like PaddleOCR's `box_score_fast` / `box_score_slow` (cv2.fillPoly + cv2.mean).
 * Vertices are truncated to integers first, as PaddleOCR's `astype(np.int32)` does.
 *
 * Written here rather than taken from a library: no npm rasteriser gives cv2.fillPoly's
 * "interior plus boundary pixels" rule on a float map without copying it.
 */
export function polygonMean(map: Float32Array, width: number, height: number, polygon: readonly Point[]): number {
  const pts = polygon.map(([x, y]) => [Math.trunc(x), Math.trunc(y)] as const);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of pts) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const x0 = clamp(minX, 0, width - 1);
  const x1 = clamp(maxX, 0, width - 1);
  const y0 = clamp(minY, 0, height - 1);
  const y1 = clamp(maxY, 0, height - 1);
  let sum = 0;
  let count = 0;
  const spans: number[] = [];
  for (let y = y0; y <= y1; y++) {
    rowSpans(pts, y, spans);
    for (let s = 0; s < spans.length; s += 2) {
      const a = Math.max(spans[s], x0);
      const b = Math.min(spans[s + 1], x1);
      for (let x = a; x <= b; x++) {
        sum += map[y * width + x];
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Inclusive pixel spans [a0, b0, a1, b1, ...] of row `y` covered by the polygon: the
 * even-odd interior between edge crossings, widened so that pixels the edges pass
 * through count too (cv2.fillPoly draws the outline as well as the interior).
 */
function rowSpans(pts: readonly (readonly [number, number])[], y: number, out: number[]): void {
  out.length = 0;
  const crossings: number[] = [];
  let edgeMin = Infinity;
  let edgeMax = -Infinity;
  const n = pts.length;
  for (let i = 0; i < n; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[(i + 1) % n];
    if (ay === by) {
      if (ay === y) {
        edgeMin = Math.min(edgeMin, ax, bx);
        edgeMax = Math.max(edgeMax, ax, bx);
      }
      continue;
    }
    const lo = Math.min(ay, by);
    const hi = Math.max(ay, by);
    if (y < lo || y > hi) continue;
    const x = ax + ((y - ay) * (bx - ax)) / (by - ay);
    // The outline pixels this edge touches on this row (its x-extent within [y-0.5, y+0.5]).
    const xa = ax + ((clamp(y - 0.5, lo, hi) - ay) * (bx - ax)) / (by - ay);
    const xb = ax + ((clamp(y + 0.5, lo, hi) - ay) * (bx - ax)) / (by - ay);
    edgeMin = Math.min(edgeMin, Math.round(Math.min(xa, xb)));
    edgeMax = Math.max(edgeMax, Math.round(Math.max(xa, xb)));
    // Half-open rule so a vertex shared by two edges is counted once.
    if (y >= lo && y < hi) crossings.push(x);
  }
  crossings.sort((a, b) => a - b);
  for (let i = 0; i + 1 < crossings.length; i += 2) {
    out.push(Math.ceil(crossings[i]), Math.floor(crossings[i + 1]));
  }
  if (edgeMin <= edgeMax) {
    // For the convex boxes DB produces the outline extends the interior span; merge it.
    if (out.length === 0) out.push(edgeMin, edgeMax);
    else {
      out[0] = Math.min(out[0], edgeMin);
      out[out.length - 1] = Math.max(out[out.length - 1], edgeMax);
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
