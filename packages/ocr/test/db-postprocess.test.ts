import { dbPostprocess } from '../src';
import type { ProbabilityMap } from '../src';

function blankMap(width: number, height: number, value = 0.02): ProbabilityMap {
  return { data: new Float32Array(width * height).fill(value), width, height };
}

function fillRect(map: ProbabilityMap, x0: number, y0: number, x1: number, y1: number, p: number): void {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) map.data[y * map.width + x] = p;
}

/** Fills a rectangle of size w×h centred at (cx, cy) turned by `deg` degrees. */
function fillRotated(map: ProbabilityMap, cx: number, cy: number, w: number, h: number, deg: number, p: number): void {
  const a = (deg * Math.PI) / 180;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = dx * Math.cos(a) + dy * Math.sin(a);
      const v = -dx * Math.sin(a) + dy * Math.cos(a);
      if (Math.abs(u) <= w / 2 && Math.abs(v) <= h / 2) map.data[y * map.width + x] = p;
    }
  }
}

describe('dbPostprocess', () => {
  it('finds an axis-aligned region, grows it by the unclip distance and scales it to the destination', () => {
    const map = blankMap(200, 100);
    fillRect(map, 40, 30, 119, 49, 0.9);
    const boxes = dbPostprocess(map, 400, 200);
    expect(boxes).toHaveLength(1);
    expect(boxes[0].score).toBeCloseTo(0.9, 2);
    // Contour 79×19 px: unclip distance = area·1.5/perimeter ≈ 11.5 map px on every side.
    const xs = boxes[0].box.map((p) => p[0]);
    const ys = boxes[0].box.map((p) => p[1]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(2 * 28 - 2);
    expect(Math.min(...xs)).toBeLessThanOrEqual(2 * 29 + 2);
    expect(Math.max(...xs)).toBeGreaterThanOrEqual(2 * 130 - 2);
    expect(Math.max(...xs)).toBeLessThanOrEqual(2 * 131 + 2);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(2 * 18 - 2);
    expect(Math.max(...ys)).toBeLessThanOrEqual(2 * 61 + 2);
    for (const [x, y] of boxes[0].box) {
      expect(Number.isInteger(x) && Number.isInteger(y)).toBe(true);
    }
  });

  it('gives slanted text a slanted quad', () => {
    const map = blankMap(240, 160);
    fillRotated(map, 120, 80, 140, 20, 20, 0.95);
    const [b] = dbPostprocess(map, 240, 160);
    const [tl, tr] = b.box;
    const angle = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
    expect(angle).toBeGreaterThan(17);
    expect(angle).toBeLessThan(23);
  });

  it('applies boxThresh to the mean probability inside the box', () => {
    const map = blankMap(120, 60);
    fillRect(map, 20, 20, 99, 39, 0.5);
    expect(dbPostprocess(map, 120, 60)).toHaveLength(0);
    expect(dbPostprocess(map, 120, 60, { boxThresh: 0.4 })).toHaveLength(1);
    expect(dbPostprocess(map, 120, 60, { boxThresh: 0.4, thresh: 0.6 })).toHaveLength(0);
  });

  it('drops regions thinner than minSize and honours maxCandidates', () => {
    const map = blankMap(120, 80);
    fillRect(map, 10, 10, 100, 11, 0.9); // 2 px tall: below min size 3
    expect(dbPostprocess(map, 120, 80)).toHaveLength(0);
    fillRect(map, 10, 30, 100, 40, 0.9);
    fillRect(map, 10, 55, 100, 65, 0.9);
    expect(dbPostprocess(map, 120, 80)).toHaveLength(2);
    expect(dbPostprocess(map, 120, 80, { maxCandidates: 1 })).toHaveLength(1);
  });

  it('merges regions one pixel apart when useDilation is on', () => {
    const map = blankMap(160, 60);
    fillRect(map, 10, 20, 69, 35, 0.9);
    fillRect(map, 71, 20, 140, 35, 0.9);
    expect(dbPostprocess(map, 160, 60)).toHaveLength(2);
    expect(dbPostprocess(map, 160, 60, { useDilation: true })).toHaveLength(1);
  });

  it('scores by the exact contour in slow mode', () => {
    // An L-shaped region: its min-area rectangle covers background too, so the fast
    // (rectangle) score is lower than the slow (contour) score.
    const map = blankMap(120, 120);
    fillRect(map, 10, 10, 100, 30, 0.9);
    fillRect(map, 10, 10, 30, 100, 0.9);
    const fast = dbPostprocess(map, 120, 120, { boxThresh: 0 });
    const slow = dbPostprocess(map, 120, 120, { boxThresh: 0, scoreMode: 'slow' });
    expect(slow[0].score).toBeGreaterThan(fast[0].score + 0.2);
    expect(slow[0].score).toBeGreaterThan(0.85);
  });

  it('returns polygons in poly mode', () => {
    const map = blankMap(120, 120);
    fillRect(map, 10, 10, 100, 30, 0.9);
    fillRect(map, 10, 10, 30, 100, 0.9);
    const [b] = dbPostprocess(map, 240, 240, { boxType: 'poly', boxThresh: 0.5 });
    expect(b.polygon).toBeDefined();
    expect(b.polygon!.length).toBeGreaterThanOrEqual(6);
    expect(b.box).toHaveLength(4);
  });

  it('returns nothing for an empty map', () => {
    expect(dbPostprocess(blankMap(64, 64, 0), 64, 64)).toEqual([]);
  });
});
