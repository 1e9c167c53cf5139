import { ErrorCodes, boxArea, boxIou, isModelkitError, polygonArea, polygonIntersectionArea, polygonIou, polygonPerimeter, type Point } from '../src';

const square = (x: number, y: number, s: number): Point[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s]];
const L: Point[] = [[0, 0], [4, 0], [4, 1], [1, 1], [1, 3], [0, 3]];

describe('boxIou', () => {
  it('matches hand-computed overlaps', () => {
    expect(boxIou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 12); // 1 / (4 + 4 - 1)
    expect(boxIou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(0.25, 12); // contained: 4 / 16
    expect(boxIou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(boxIou([0, 0, 2, 2], [2, 0, 4, 2])).toBe(0); // touching edges
    expect(boxIou([0, 0, 2, 2], [5, 5, 6, 6])).toBe(0);
    expect(boxIou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty union, no NaN
    expect(boxArea([1, 1, 4, 3])).toBe(6);
  });
});

describe('polygonArea / polygonPerimeter', () => {
  it('triangle 3-4-5', () => {
    const tri: Point[] = [[0, 0], [4, 0], [0, 3]];
    expect(polygonArea(tri)).toBe(6);
    expect(polygonPerimeter(tri)).toBe(12);
  });

  it('L-shape, either orientation', () => {
    expect(polygonArea(L)).toBe(6); // 4x1 + 1x2
    expect(polygonArea([...L].reverse())).toBe(6);
    expect(polygonPerimeter(L)).toBe(14); // 4 + 1 + 3 + 2 + 1 + 3
  });

  it('rejects non-finite points with a typed error', () => {
    let err: unknown;
    try {
      polygonArea([[0, 0], [Number.NaN, 1], [1, 1]]);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
  });
});

describe('polygonIou', () => {
  it('two overlapping squares', () => {
    expect(polygonIou(square(0, 0, 2), square(1, 1, 2))).toBeCloseTo(1 / 7, 12);
    expect(polygonIou(square(0, 0, 2), square(3, 3, 2))).toBe(0);
    expect(polygonIou(square(0, 0, 2), square(0, 0, 2))).toBeCloseTo(1, 12);
  });

  it('a square and the same square turned 45° about its centre', () => {
    const r = Math.SQRT2;
    const diamond: Point[] = [[1 + r, 1], [1, 1 + r], [1 - r, 1], [1, 1 - r]];
    // Intersection = square minus 4 corner triangles with legs 2 - √2: 4 - 2(2 - √2)² = 8√2 - 8.
    expect(polygonIntersectionArea(square(0, 0, 2), diamond)).toBeCloseTo(8 * r - 8, 12);
    // IoU = (8√2 - 8) / (8 - (8√2 - 8)) = 1/√2.
    expect(polygonIou(square(0, 0, 2), diamond)).toBeCloseTo(1 / r, 12);
  });

  it('non-convex polygons, independent of orientation', () => {
    // L ∩ [0,2]² = [0,2]x[0,1] + [0,1]x[1,2] = 3; union = 6 + 4 - 3 = 7.
    expect(polygonIntersectionArea(L, square(0, 0, 2))).toBeCloseTo(3, 12);
    expect(polygonIou(L, square(0, 0, 2))).toBeCloseTo(3 / 7, 12);
    expect(polygonIou([...L].reverse(), square(0, 0, 2))).toBeCloseTo(3 / 7, 12);
    // A U-shape around a square sitting in its notch: no overlap at all.
    const U: Point[] = [[0, 0], [1, 0], [1, 2], [2, 2], [2, 0], [3, 0], [3, 3], [0, 3]];
    expect(polygonIntersectionArea(U, [[1, 0], [2, 0], [2, 2], [1, 2]])).toBeCloseTo(0, 12);
  });

  it('a quad sharing an edge with another (common with integer OCR quads)', () => {
    expect(polygonIou(square(0, 0, 10), square(10, 0, 10))).toBe(0);
    expect(polygonIou([[0, 0], [10, 0], [10, 10], [0, 10]], [[0, 0], [10, 0], [10, 5], [0, 5]])).toBeCloseTo(0.5, 12);
  });
});
