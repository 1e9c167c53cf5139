// Benchmark of @modelkit/core geometry on DB-post-process-sized inputs, plus (when Debian
// `python3-opencv python3-pyclipper python3-shapely` are installed) a cross-check against
// cv2.findContours / cv2.minAreaRect, pyclipper and shapely on random inputs.
// Optional: put js-angusj-clipper and clipper2-js on NODE_PATH to time them too.
// Run: cd packages/core && npx tsx ../../tools/bench/geometry.ts
// Numbers on a shared 2-core machine are noisy: compare medians, not single runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findContours, minAreaRect, offsetPolygon, polygonArea, polygonIou, polygonPerimeter, rectCorners, unclip, type Point,
} from '../../packages/core/src/geometry/index';

function time(label: string, runs: number, fn: () => unknown): void {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} median ${ms[Math.floor(runs / 2)].toFixed(1)} ms  min ${ms[0].toFixed(1)} ms  (${runs} runs)`);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

// Rotated text quads (20–320 x 10–40 px, ±8.6°) with integer corners, like DB boxes.
function textQuads(n: number, seed: number): Point[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const w = 20 + r() * 300, h = 10 + r() * 30, cx = 50 + r() * 860, cy = 50 + r() * 860, a = (r() - 0.5) * 0.3;
    const c = Math.cos(a), s = Math.sin(a);
    return [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]].map(([x, y]): Point => [Math.trunc(cx + x * c - y * s), Math.trunc(cy + x * s + y * c)]);
  });
}

// A 960x960 binary map with `lines` filled text-line quads (scanline fill of convex quads).
function textMap(lines: number): Uint8Array {
  const m = new Uint8Array(960 * 960);
  for (const q of textQuads(lines, 7)) {
    for (let y = 0; y < 960; y++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = q[i], [x2, y2] = q[(i + 1) % 4];
        if ((y1 <= y && y < y2) || (y2 <= y && y < y1)) {
          const x = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      }
      for (let x = Math.max(0, Math.ceil(lo)); x <= Math.min(959, Math.floor(hi)); x++) m[y * 960 + x] = 1;
    }
  }
  return m;
}

const map = textMap(150);
time('findContours 960x960, 150 text lines', 20, () => findContours(map, 960, 960));
time('findContours + minAreaRect + rectCorners + unclip(1.5)', 20, () => {
  for (const c of findContours(map, 960, 960)) unclip(rectCorners(minAreaRect(c)), 1.5);
});
const empty = new Uint8Array(960 * 960);
time('findContours 960x960, empty map (scan cost)', 20, () => findContours(empty, 960, 960));

const quads = textQuads(1000, 42);
const deltas = quads.map((q) => (polygonArea(q) * 1.5) / polygonPerimeter(q));
time('1000 unclips, clipper-lib 6.4.2 (ours)', 10, () => quads.forEach((q, i) => offsetPolygon(q, deltas[i])));

const req = createRequire(join(process.cwd(), 'noop.js'));
function optional(name: string): any {
  try {
    return req(name);
  } catch {
    return undefined;
  }
}
async function otherPorts(): Promise<void> {
  const angus = optional('js-angusj-clipper');
  if (angus) {
    const t0 = performance.now();
    const lib = await angus.loadNativeClipperLibInstanceAsync(angus.NativeClipperLibRequestedFormat.WasmOnly);
    console.log(`js-angusj-clipper wasm init ${(performance.now() - t0).toFixed(0)} ms`);
    const run = (q: Point[], d: number) =>
      lib.offsetToPaths({ delta: d, arcTolerance: 0.25, miterLimit: 2, offsetInputs: [{ data: q.map(([x, y]) => ({ x, y })), joinType: angus.JoinType.Round, endType: angus.EndType.ClosedPolygon }] });
    time('1000 unclips, js-angusj-clipper (wasm)', 10, () => quads.forEach((q, i) => run(q, deltas[i])));
    const same = quads.filter((q, i) => JSON.stringify(run(q, deltas[i]).map((p: any[]) => p.map((pt) => [pt.x, pt.y]))) === JSON.stringify(offsetPolygon(q, deltas[i]))).length;
    console.log(`  identical to clipper-lib: ${same}/1000`);
  }
  const c2 = optional('clipper2-js');
  if (c2) {
    const run = (q: Point[], d: number) => {
      const co = new c2.ClipperOffset(2, 0.25);
      co.addPath(q.map(([x, y]) => new c2.Point64(x, y)), c2.JoinType.Round, c2.EndType.Polygon);
      const sol = new c2.Paths64();
      co.execute(d, sol);
      return sol;
    };
    time('1000 unclips, clipper2-js', 10, () => quads.forEach((q, i) => run(q, deltas[i])));
  }
}

const PY = String.raw`
import json, sys, numpy as np, cv2, pyclipper
from shapely.geometry import Polygon
inp = json.load(open(sys.argv[1])); out = {}
out['contours'] = [[c.reshape(-1, 2).tolist() for c in cv2.findContours(np.array(m['mask'], np.uint8).reshape(m['h'], m['w']), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0]] for m in inp['masks']]
out['rects'] = [[[cv2.minAreaRect(np.array(c, np.int32))[1][0] * cv2.minAreaRect(np.array(c, np.int32))[1][1]] for c in cs] for cs in out['contours']]
def off(q, d):
    o = pyclipper.PyclipperOffset(); o.AddPath(q, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON); return o.Execute(d)
out['unclip'] = [off(q, d) for q, d in zip(inp['quads'], inp['deltas'])]
out['iou'] = [Polygon(a).intersection(Polygon(b)).area / Polygon(a).union(Polygon(b)).area for a, b in inp['pairs']]
json.dump(out, open(sys.argv[2], 'w'))
`;

function crossCheck(): void {
  const dir = mkdtempSync(join(tmpdir(), 'geom-bench-'));
  try {
    const r = rng(3);
    const masks = Array.from({ length: 200 }, () => {
      const w = 5 + Math.floor(r() * 60), h = 5 + Math.floor(r() * 60), p = 0.2 + r() * 0.5;
      return { w, h, mask: Array.from({ length: w * h }, () => (r() < p ? 1 : 0)) };
    });
    const pairs = Array.from({ length: 300 }, () => [textQuads(1, Math.floor(r() * 1e9))[0], textQuads(1, Math.floor(r() * 1e9))[0]].map((q, k) =>
      k === 1 ? q.map(([x, y]): Point => [x * 0.05 + q[0][0] * 0.95 + r() * 20, y]) : q));
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ masks, quads, deltas, pairs }));
    writeFileSync(join(dir, 'ref.py'), PY);
    execFileSync('/usr/bin/python3', [join(dir, 'ref.py'), join(dir, 'in.json'), join(dir, 'out.json')], { stdio: 'inherit' });
    const ref = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    const ours = masks.map((m) => findContours(Uint8Array.from(m.mask), m.w, m.h, { holes: true }));
    const sameContours = ours.filter((c, i) => JSON.stringify(c) === JSON.stringify(ref.contours[i])).length;
    let rects = 0, rectsOk = 0;
    ref.contours.forEach((cs: Point[][], i: number) => cs.forEach((c, j) => {
      rects++;
      const rr = minAreaRect(c);
      if (Math.abs(rr.width * rr.height - ref.rects[i][j][0]) <= 1e-3 * Math.max(1, ref.rects[i][j][0])) rectsOk++;
    }));
    const sameUnclip = quads.filter((q, i) => JSON.stringify(offsetPolygon(q, deltas[i])) === JSON.stringify(ref.unclip[i])).length;
    const iouDiff = Math.max(...pairs.map(([a, b], i) => Math.abs(polygonIou(a, b) - ref.iou[i])));
    console.log(`cv2 RETR_LIST contours identical (points and order): ${sameContours}/${masks.length} random masks`);
    console.log(`minAreaRect area equal to cv2 (1e-3 rel): ${rectsOk}/${rects}`);
    console.log(`unclip identical to pyclipper: ${sameUnclip}/${quads.length}`);
    console.log(`polygonIou max |diff| vs shapely over ${pairs.length} quad pairs: ${iouDiff.toExponential(2)}`);
  } catch (e) {
    console.log(`cross-check skipped (${(e as Error).message.split('\n')[0]})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void otherPorts().then(crossCheck);
