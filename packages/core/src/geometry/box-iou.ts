import type { Box } from './types';

/**
 * Area of a box in continuous coordinates (`(x2 - x1) * (y2 - y1)`, no "+1" pixel
 * convention); 0 for an inverted box.
 */
export function boxArea(b: Box): number {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Intersection over union of two axis-aligned boxes `[x1, y1, x2, y2]`. Returns 0 when
 * the union is empty, so degenerate boxes never produce NaN.
 */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}
