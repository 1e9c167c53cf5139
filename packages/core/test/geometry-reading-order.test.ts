import { sortQuadsReadingOrder, type Quad } from '../src';

const word = (x: number, y: number, w = 50, h = 20): Quad => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];

describe('sortQuadsReadingOrder (PaddleOCR sorted_boxes)', () => {
  // Line 1 words at y = 10, 12, 8 (a few pixels of jitter), line 2 at y = 40, 43.
  const quads = [word(200, 10), word(10, 12), word(100, 8), word(120, 43), word(5, 40)];

  it('reads each line left to right, lines top to bottom', () => {
    expect(sortQuadsReadingOrder(quads)).toEqual([1, 2, 0, 4, 3]);
  });

  it('a smaller line tolerance keeps words whose y differs by more in (y, x) order', () => {
    // (10,12) vs (100,8) differ by 4 ≥ 3, so they stay in y order.
    expect(sortQuadsReadingOrder(quads, 3)).toEqual([2, 1, 0, 4, 3]);
  });

  it('edge cases', () => {
    expect(sortQuadsReadingOrder([])).toEqual([]);
    expect(sortQuadsReadingOrder([word(0, 0)])).toEqual([0]);
    expect(() => sortQuadsReadingOrder([[[Number.NaN, 0], [0, 0], [0, 0], [0, 0]]])).toThrow(/finite first corner/);
  });
});
