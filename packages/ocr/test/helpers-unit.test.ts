import { clipQuad, e2eKey, matchImage, normalizedEditDistance, orderQuad, planBatches, prf, recBatchWidth } from '../src';
import type { Point, Quad } from '@modelkit/core';

describe('orderQuad / clipQuad', () => {
  it('orders corners tl, tr, br, bl whatever the input order', () => {
    const q: Point[] = [[50, 40], [10, 12], [52, 10], [8, 42]];
    expect(orderQuad(q)).toEqual([[10, 12], [52, 10], [50, 40], [8, 42]]);
  });
  it('clips into the image', () => {
    const q: Quad = [[-3, -1], [105, 2], [104, 60], [-2, 58]];
    expect(clipQuad(q, 100, 50)).toEqual([[0, 0], [99, 2], [99, 49], [0, 49]]);
  });
});

describe('recognition batching', () => {
  it('sorts by aspect ratio and cuts batches of the given size', () => {
    expect(planBatches([5, 1, 3, 2, 4, 0.5, 9], 3)).toEqual([[5, 1, 3], [2, 4, 0], [6]]);
  });
  it('uses 48 × the widest ratio, never below 320', () => {
    expect(recBatchWidth([1, 2], 48, 320)).toBe(320);
    expect(recBatchWidth([10.02], 48, 320)).toBe(480);
    expect(recBatchWidth([10.5], 48, 320)).toBe(504);
  });
});

describe('evaluation helpers', () => {
  const box = (x: number, y: number, w: number, h: number): Point[] => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];

  it('matches one-to-one at IoU >= 0.5 and drops detections inside ignore regions', () => {
    const gt = [
      { polygon: box(0, 0, 100, 20), text: 'Hello', ignore: false },
      { polygon: box(0, 50, 100, 20), text: 'World', ignore: false },
      { polygon: box(200, 0, 50, 50), text: '###', ignore: true },
    ];
    const pred = [
      { polygon: box(2, 1, 100, 20), text: 'hello' }, // matches gt 0
      { polygon: box(0, 50, 30, 20), text: 'Wo' }, // IoU 0.3: no match
      { polygon: box(205, 5, 40, 40), text: 'x' }, // inside the ignore region: dropped
      { polygon: box(3, 0, 100, 20), text: 'Hello' }, // duplicate of gt 0: unmatched
    ];
    const m = matchImage(gt, pred);
    expect(m.gtCare).toBe(2);
    expect(m.predCare).toBe(3);
    expect(m.pairs).toEqual([[0, 0]]);
    const r = prf(m.pairs.length, m.predCare, m.gtCare);
    expect(r.precision).toBeCloseTo(1 / 3);
    expect(r.recall).toBeCloseTo(0.5);
    expect(r.hmean).toBeCloseTo(0.4);
  });

  it('compares e2e texts case- and space-insensitively and counts edits per code point', () => {
    expect(e2eKey('Thank you ')).toBe(e2eKey('THANKYOU'));
    expect(normalizedEditDistance('韩国小馆', '韩国小')).toBeCloseTo(0.25);
    expect(normalizedEditDistance('', '')).toBe(0);
    expect(normalizedEditDistance('abc', '')).toBe(1);
  });
});
