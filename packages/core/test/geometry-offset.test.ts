import { ErrorCodes, isModelkitError, offsetPolygon, polygonArea, unclip, type Point } from '../src';

// Distance from p to the axis-aligned rectangle [0,w]x[0,h] (outside points).
function distToRect(p: Point, w: number, h: number): number {
  const dx = Math.max(0 - p[0], 0, p[0] - w);
  const dy = Math.max(0 - p[1], 0, p[1] - h);
  return Math.hypot(dx, dy);
}

describe('unclip / offsetPolygon (pyclipper JT_ROUND, ET_CLOSEDPOLYGON)', () => {
  const rect: Point[] = [[0, 0], [100, 0], [100, 20], [0, 20]];

  it('grows a 100x20 rectangle with ratio 1.5 by 2000 * 1.5 / 240 = 12.5', () => {
    const out = unclip(rect, 1.5);
    expect(out).toHaveLength(1);
    const [poly] = out;
    // Every vertex sits 12.5 out, up to Clipper's integer rounding (at most √2 / 2).
    for (const p of poly) {
      expect(Number.isInteger(p[0]) && Number.isInteger(p[1])).toBe(true);
      expect(Math.abs(distToRect(p, 100, 20) - 12.5)).toBeLessThanOrEqual(Math.SQRT1_2 + 1e-9);
    }
    // Rounded rectangle area 2000 + 240 d + π d²: 5490.9 for d = 12.5. Clipper rounds the
    // straight sides from ±12.5 out to ±13 (5650.9 for d = 13), so the area lies between.
    expect(polygonArea(poly)).toBeGreaterThan(5490);
    expect(polygonArea(poly)).toBeLessThan(5651);
    // The exact output of pyclipper 1.2.1 (Clipper 6.4.2) for the same call.
    expect(poly).toEqual([
      [105, -12], [109, -9], [112, -5], [113, 0], [113, 20], [112, 25], [109, 29], [105, 32], [100, 33], [0, 33],
      [-5, 32], [-9, 29], [-12, 25], [-13, 20], [-13, 0], [-12, -5], [-9, -9], [-5, -12], [0, -13], [100, -13],
    ]);
  });

  it('offsets a non-convex polygon both ways like pyclipper', () => {
    const L: Point[] = [[0, 0], [40, 0], [40, 10], [10, 10], [10, 30], [0, 30]];
    expect(offsetPolygon(L, 3)).toEqual([
      [[42, -2], [43, 0], [43, 10], [42, 12], [40, 13], [13, 13], [13, 30], [12, 32], [10, 33], [0, 33], [-2, 32], [-3, 30], [-3, 0], [-2, -2], [0, -3], [40, -3]],
    ]);
    expect(offsetPolygon(L, -2)).toEqual([[[38, 8], [10, 8], [8, 9], [8, 28], [2, 28], [2, 2], [38, 2]]]);
  });

  it('a shrink that consumes the polygon gives nothing', () => {
    expect(offsetPolygon([[0, 0], [10, 0], [10, 10], [0, 10]], -6)).toEqual([]);
  });

  it('truncates float input towards zero, as pyclipper does', () => {
    expect(offsetPolygon([[0.9, 0.9], [10.9, 0.2], [10.7, 5.99], [0.2, 5.5]], 0.01)).toEqual([[[10, 5], [0, 5], [0, 0], [10, 0]]]);
  });

  it('bad input is a typed error', () => {
    let err: unknown;
    try {
      unclip([[0, 0], [1, 1]], 1.5);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
    expect(() => offsetPolygon(rect, Number.NaN)).toThrow(/delta must be finite/);
  });
});
