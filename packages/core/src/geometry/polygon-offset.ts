/// <reference path="./clipper-lib.d.ts" />
import ClipperLib from 'clipper-lib';
import { InvalidArgumentError } from '../errors';
import { polygonArea, polygonPerimeter } from './polygon';
import type { Point } from './types';
import { assertPoints } from './validate';

/**
 * Why clipper-lib: pyclipper (which PaddleOCR's DB post-process uses) wraps Clipper 6.4.2,
 * and clipper-lib is the synchronous pure-JS port of that same version.
 * Measured with tools/bench/geometry.ts and ad-hoc pyclipper 1.2.1 runs (shared 2-core
 * machine, very noisy: min / median of 10 runs of 1000 unclips of rotated 20–320 x 10–40
 * px integer text quads, ratio 1.5):
 *   clipper-lib 6.4.2        28 / 51 ms; identical to pyclipper on 1000/1000 quads and on
 *                            499/500 DB poly-mode polygons (the other has equal area), but
 *                            only 121/132 random spiky polygons (off by one vertex)
 *   js-angusj-clipper 1.3.1   9 / 34 ms + 20–80 ms async wasm init; identical to pyclipper
 *                            on all of the above
 *   clipper2-js 1.2.4        90 / 190 ms; identical on 0/1000 (Clipper2 offsets differently)
 * The wasm port is faster and exact, but its async init cannot sit behind this synchronous
 * API, and ~30–50 µs per unclip is noise next to a ~300 ms detector run; on the DB inputs
 * clipper-lib already agrees with pyclipper.
 */
const MITER_LIMIT = 2; // pyclipper's PyclipperOffset defaults
const ARC_TOLERANCE = 0.25;

/**
 * Offsets a closed polygon by `delta` (positive grows, negative shrinks) with round joins,
 * exactly like `pyclipper.PyclipperOffset` with `JT_ROUND` / `ET_CLOSEDPOLYGON` and its
 * defaults (miter limit 2, arc tolerance 0.25). Like pyclipper, input coordinates are
 * truncated towards zero to integers, and output points are integers.
 *
 * @returns the offset outlines; usually one, none when a shrink consumes the polygon,
 *   several when a shrink splits it.
 */
export function offsetPolygon(poly: readonly Point[], delta: number): Point[][] {
  assertPoints(poly, 'polygon', 3);
  if (!Number.isFinite(delta)) throw new InvalidArgumentError(`offsetPolygon: delta must be finite, got ${delta}`);
  const offset = new ClipperLib.ClipperOffset(MITER_LIMIT, ARC_TOLERANCE);
  offset.AddPath(
    poly.map((p) => ({ X: Math.trunc(p[0]), Y: Math.trunc(p[1]) })),
    ClipperLib.JoinType.jtRound,
    ClipperLib.EndType.etClosedPolygon,
  );
  const solution: { X: number; Y: number }[][] = [];
  offset.Execute(solution, delta);
  // `+ 0` turns Clipper's occasional -0 (rounding of small negatives) into 0.
  return solution.map((path) => path.map((pt): Point => [pt.X + 0, pt.Y + 0]));
}

/**
 * The DB text detector's "unclip" (PaddleOCR `DBPostProcess.unclip`): grow the shrunk
 * text region by `delta = area * ratio / perimeter`, computed on the exact (float)
 * polygon as shapely does, then {@link offsetPolygon}.
 */
export function unclip(poly: readonly Point[], ratio: number): Point[][] {
  assertPoints(poly, 'polygon', 3);
  if (!Number.isFinite(ratio)) throw new InvalidArgumentError(`unclip: ratio must be finite, got ${ratio}`);
  const perimeter = polygonPerimeter(poly);
  if (perimeter === 0) return [];
  return offsetPolygon(poly, (polygonArea(poly) * ratio) / perimeter);
}
