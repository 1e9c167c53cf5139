import { convexHull, minAreaRect, polygonSignedArea, rectCorners, type Point } from '../src';

describe('convexHull', () => {
  it('drops interior, collinear and duplicate points', () => {
    const pts: Point[] = [[2, 2], [0, 0], [4, 0], [2, 0], [4, 4], [0, 4], [1, 3], [4, 4], [0, 2]];
    const hull = convexHull(pts);
    expect(hull).toEqual([[0, 0], [4, 0], [4, 4], [0, 4]]);
    expect(polygonSignedArea(hull)).toBe(16);
  });

  it('degenerate inputs', () => {
    expect(convexHull([])).toEqual([]);
    expect(convexHull([[1, 1], [1, 1]])).toEqual([[1, 1]]);
    expect(convexHull([[0, 0], [1, 1], [2, 2]])).toEqual([[0, 0], [2, 2]]);
  });
});

describe('minAreaRect / rectCorners', () => {
  it('an axis-aligned rectangle', () => {
    const r = minAreaRect([[0, 0], [10, 0], [10, 4], [0, 4], [3, 2]]);
    expect(r.center[0]).toBeCloseTo(5, 9);
    expect(r.center[1]).toBeCloseTo(2, 9);
    expect(r.width).toBeCloseTo(10, 9);
    expect(r.height).toBeCloseTo(4, 9);
    expect(r.angle).toBe(0);
    expect(rectCorners(r).map((p) => p.map((v) => Math.round(v * 1e9) / 1e9))).toEqual([[0, 0], [10, 0], [10, 4], [0, 4]]);
  });

  it('a 40x10 rectangle turned 30° about (50, 50)', () => {
    const a = Math.PI / 6;
    const u: Point = [Math.cos(a), Math.sin(a)];
    const v: Point = [-Math.sin(a), Math.cos(a)];
    const at = (s: number, t: number): Point => [50 + s * u[0] + t * v[0], 50 + s * u[1] + t * v[1]];
    const tl = at(-20, -5), tr = at(20, -5), br = at(20, 5), bl = at(-20, 5);
    // Corners in scrambled order plus points inside and on the edges.
    const r = minAreaRect([br, at(0, 0), tl, at(10, 5), bl, at(-3, 2), tr, at(20, 0)]);
    expect(r.center[0]).toBeCloseTo(50, 9);
    expect(r.center[1]).toBeCloseTo(50, 9);
    expect(r.width).toBeCloseTo(40, 9);
    expect(r.height).toBeCloseTo(10, 9);
    expect(r.angle).toBeCloseTo(30, 9);
    // get_mini_boxes order: sorted by x = [bl, tl, br, tr]; tl = upper of the left pair, tr = upper of the right pair.
    const q = rectCorners(r);
    [tl, tr, br, bl].forEach((p, i) => {
      expect(q[i][0]).toBeCloseTo(p[0], 9);
      expect(q[i][1]).toBeCloseTo(p[1], 9);
    });
  });

  it('a rectangle turned 120° reports angle 30 with width and height swapped into place', () => {
    const a = (120 * Math.PI) / 180;
    const pts: Point[] = [[-15, -4], [15, -4], [15, 4], [-15, 4]].map(([s, t]): Point => [s * Math.cos(a) - t * Math.sin(a), s * Math.sin(a) + t * Math.cos(a)]);
    const r = minAreaRect(pts);
    expect(r.angle).toBeCloseTo(30, 9);
    expect(r.width).toBeCloseTo(8, 9); // the side along 30° is the short one
    expect(r.height).toBeCloseTo(30, 9);
  });

  it('a single point and a segment', () => {
    expect(minAreaRect([[3, 4]])).toEqual({ center: [3, 4], width: 0, height: 0, angle: 0 });
    const r = minAreaRect([[0, 0], [0, 6]]);
    expect(r).toMatchObject({ width: 0, angle: 0 });
    expect(r.height).toBeCloseTo(6, 12);
    expect(() => minAreaRect([])).toThrow(/at least 1 points/);
  });
});
