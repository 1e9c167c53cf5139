import { InvalidArgumentError } from '../errors';
import type { Quad } from './types';

/**
 * Reading order of text quads, as PaddleOCR's `sorted_boxes` (tools/infer/predict_system.py):
 * sort by the first corner's (y, x), then walk the list once and bubble each quad left
 * past neighbours whose first-corner y differs by less than `lineTolerance` pixels and
 * whose x is larger, so quads on the same visual line read left to right.
 *
 * @returns indices into `quads`, in reading order.
 */
export function sortQuadsReadingOrder<T extends Quad>(quads: readonly T[], lineTolerance = 10): number[] {
  if (!Array.isArray(quads)) throw new InvalidArgumentError('sortQuadsReadingOrder: quads must be an array');
  if (!Number.isFinite(lineTolerance)) throw new InvalidArgumentError('sortQuadsReadingOrder: lineTolerance must be finite');
  quads.forEach((q, i) => {
    if (!Array.isArray(q) || q.length < 1 || !Array.isArray(q[0]) || !Number.isFinite(q[0][0]) || !Number.isFinite(q[0][1])) {
      throw new InvalidArgumentError(`sortQuadsReadingOrder: quads[${i}] has no finite first corner`, { details: { index: i } });
    }
  });
  const x = (i: number): number => quads[i][0][0];
  const y = (i: number): number => quads[i][0][1];
  const order = quads.map((_, i) => i).sort((a, b) => y(a) - y(b) || x(a) - x(b));
  for (let i = 0; i < order.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const next = order[j + 1];
      const cur = order[j];
      if (Math.abs(y(next) - y(cur)) < lineTolerance && x(next) < x(cur)) {
        order[j] = next;
        order[j + 1] = cur;
      } else {
        break;
      }
    }
  }
  return order;
}
