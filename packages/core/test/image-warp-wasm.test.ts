import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { warpQuad, type QuadPoints, type RgbImage, type WarpQuadOptions } from '../src';
import { cubicTab64 } from '../src/image/warp-tables';
import { setWasmWarpEnabled, wasmWarpActive } from '../src/image/warp-wasm';
import { WARP_WASM_BASE64 } from '../src/image/wasm/warp-wasm-bytes';

// The WebAssembly warp kernel against the JS path it replaces (the reference, itself checked
// against OpenCV in image-warp.test.ts and tools/bench/image-ops.ts): same bytes for every
// kind of quad the kernel treats differently (interior taps, border taps, quads whose
// positions leave the copied window, degenerate homographies).

/** Deterministic xorshift32, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** kind 0: noise, 1: all 0, 2: all 255, 3: random 0/255 (the rounding and clamping extremes). */
function makeImage(width: number, height: number, kind: number, seed: number): RgbImage {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = kind === 0 ? (r() * 256) | 0 : kind === 1 ? 0 : kind === 2 ? 255 : r() < 0.5 ? 0 : 255;
  return { data, width, height };
}

function withWasm<T>(on: boolean, fn: () => T): T {
  const previous = setWasmWarpEnabled(on);
  try {
    return fn();
  } finally {
    setWasmWarpEnabled(previous);
  }
}

/** Index of the first differing byte (-1 when equal), so a failure says where. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Both paths on one case: same bytes, or the same error. */
function compare(img: RgbImage, quad: QuadPoints, size: { width: number; height: number } | undefined, interpolation: WarpQuadOptions['interpolation']): { case: string; firstDiff: number | string } {
  const label = `${img.width}x${img.height} ${interpolation} ${JSON.stringify(quad)} ${JSON.stringify(size)}`;
  const run = (on: boolean): Uint8Array | string => {
    try {
      return withWasm(on, () => warpQuad(img, quad, size, { interpolation })).data;
    } catch (e) {
      return String(e);
    }
  };
  const js = run(false);
  const wasm = run(true);
  if (typeof js === 'string' || typeof wasm === 'string') return { case: label, firstDiff: js === wasm ? -1 : `${js} / ${wasm}` };
  return { case: label, firstDiff: firstDiff(wasm, js) };
}

/** A random quad of one of the shapes OCR and its edge cases produce. */
function randomQuad(r: () => number, w: number, h: number): QuadPoints {
  const f = (a: number, b: number): number => a + r() * (b - a);
  switch (Math.floor(r() * 7)) {
    case 0: {
      // A rotated text line, inside or near the image.
      const cx = f(0, w), cy = f(0, h), len = f(1, Math.max(2, w)), th = f(1, Math.max(2, h / 4)), a = f(-0.6, 0.6);
      const c = Math.cos(a), s = Math.sin(a);
      const p = (u: number, v: number): [number, number] => [cx + u * c - v * s, cy + u * s + v * c];
      return [p(-len / 2, -th / 2), p(len / 2, -th / 2), p(len / 2, th / 2), p(-len / 2, th / 2)];
    }
    case 1:
      // Any 4 points: concave and self-crossing quads send positions outside the window.
      return [[f(-5, w + 5), f(-5, h + 5)], [f(-5, w + 5), f(-5, h + 5)], [f(-5, w + 5), f(-5, h + 5)], [f(-5, w + 5), f(-5, h + 5)]];
    case 2: {
      // Far outside: every tap clamps to an edge or corner.
      const x = f(-3000, 3000), y = f(-3000, 3000);
      return [[x, y], [x + f(2, 40), y + f(-3, 3)], [x + f(2, 40), y + f(2, 20)], [x + f(-3, 3), y + f(2, 20)]];
    }
    case 3: {
      // Integer corners, axis-aligned: positions land exactly on pixels.
      const x0 = Math.floor(f(-3, w)), y0 = Math.floor(f(-3, h)), x1 = x0 + 1 + Math.floor(f(0, 50)), y1 = y0 + 1 + Math.floor(f(0, 25));
      return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    }
    case 4: {
      // Thin, almost degenerate.
      const x = f(-2, w), y = f(-2, h), dx = f(1, 60), dy = f(-5, 5), t = f(0.001, 2);
      return [[x, y], [x + dx, y + dy], [x + dx + f(-0.1, 0.1), y + dy + t], [x + f(-0.1, 0.1), y + t]];
    }
    case 5:
      // Larger than the image, partly outside on every side.
      return [[f(-30, 10), f(-30, 10)], [f(w - 10, w + 30), f(-30, 10)], [f(w - 10, w + 30), f(h - 10, h + 30)], [f(-30, 10), f(h - 10, h + 30)]];
    default: {
      // Perspective trapezoid.
      const x = f(0, w), y = f(0, h), len = f(2, 80), th = f(2, 30), k = f(-0.4, 0.4);
      return [[x, y], [x + len, y + k * th], [x + len * (1 + k), y + th], [x - k * len, y + th * (1 - k)]];
    }
  }
}

describe('WebAssembly warp kernel', () => {
  it('is what runs here (Node 20 has WebAssembly SIMD128) and can be switched off', () => {
    expect(wasmWarpActive()).toBe(true);
    withWasm(false, () => expect(wasmWarpActive()).toBe(false));
  });

  it('is the committed compilation of warp.wat', async () => {
    const wabt = await wabtInit();
    const wat = readFileSync(join(__dirname, '../src/image/wasm/warp.wat'), 'utf8');
    const mod = wabt.parseWat('warp.wat', wat, { simd: true });
    try {
      mod.validate();
      const built = Buffer.from(mod.toBinary({ write_debug_names: false }).buffer);
      const sha = createHash('sha256').update(built).digest('hex');
      expect(createHash('sha256').update(Buffer.from(WARP_WASM_BASE64, 'base64')).digest('hex')).toBe(sha);
      expect(readFileSync(join(__dirname, '../src/image/wasm/warp-wasm-bytes.ts'), 'utf8')).toContain(`sha256 ${sha}`);
    } finally {
      mod.destroy();
    }
  });

  it('relies on exact float64 sums: bicubic weights are multiples of 2^-34 with small totals', () => {
    // warp.wat sums the 16 products in a SIMD order, not the JS's: equal only because every
    // product pixel * weight and every partial sum is exact (< 2^53 units of 2^-34).
    const tab = cubicTab64();
    let maxAbsSum = 0;
    for (let e = 0; e < tab.length; e += 16) {
      let s = 0;
      for (let k = 0; k < 16; k++) {
        expect(Number.isInteger(tab[e + k] * 2 ** 34)).toBe(true);
        s += Math.abs(tab[e + k]);
      }
      maxAbsSum = Math.max(maxAbsSum, s);
    }
    expect(255 * maxAbsSum * 2 ** 34).toBeLessThan(2 ** 53);
  });

  it('warps byte for byte like the JS path on 300 seeded random cases, both interpolations', () => {
    const r = rng(2024);
    for (let i = 0; i < 300; i++) {
      const big = i % 50 === 49;
      const w = big ? 400 + Math.floor(r() * 400) : 1 + Math.floor(r() * (i % 2 ? 8 : 90));
      const h = big ? 300 + Math.floor(r() * 300) : 1 + Math.floor(r() * (i % 3 ? 8 : 90));
      const img = makeImage(w, h, i % 4, i + 1);
      const quad = randomQuad(r, w, h);
      const size = i % 5 === 0 ? { width: 1 + Math.floor(r() * 60), height: 1 + Math.floor(r() * 30) } : undefined;
      for (const interpolation of ['bicubic', 'bilinear'] as const) {
        const c = compare(img, quad, size, interpolation);
        expect(c).toEqual({ case: c.case, firstDiff: -1 });
      }
    }
  });

  it('matches on the edge cases', () => {
    const noise = makeImage(37, 23, 0, 5);
    const cases: [RgbImage, QuadPoints, { width: number; height: number } | undefined][] = [
      // 1x1, 1xN and Nx1 images: every tap is the same pixel (or row, or column).
      [makeImage(1, 1, 0, 1), [[0, 0], [3, 0], [3, 2], [0, 2]], undefined],
      [makeImage(1, 9, 0, 2), [[-1, 1], [2, 1.5], [2, 7], [-1, 6]], { width: 5, height: 9 }],
      [makeImage(9, 1, 0, 3), [[1, -1], [7, -1], [7, 2], [1, 2]], undefined],
      // The whole image, exactly, and with an explicit larger size (upscale).
      [noise, [[0, 0], [37, 0], [37, 23], [0, 23]], undefined],
      [noise, [[0, 0], [37, 0], [37, 23], [0, 23]], { width: 80, height: 51 }],
      // Half-pixel and 1/64-pixel positions: rounding ties of the 1/32 grid.
      [noise, [[3.5, 2.5], [20.5, 2.5], [20.5, 9.5], [3.5, 9.5]], { width: 34, height: 14 }],
      [noise, [[3 + 1 / 64, 2 - 1 / 64], [20 + 1 / 64, 2 + 1 / 64], [20, 9], [3, 9]], undefined],
      // Mirrored (corners in the other order) and a bow-tie (self-crossing: the
      // homography's denominator crosses zero inside the output).
      [noise, [[30, 20], [5, 20], [5, 3], [30, 3]], undefined],
      [noise, [[2, 2], [30, 20], [30, 2], [2, 20]], { width: 28, height: 18 }],
      // Concave, and a quad far outside (taps clamp to the corner pixel).
      [noise, [[2, 2], [30, 4], [10, 8], [4, 20]], { width: 25, height: 15 }],
      [noise, [[-500, -400], [-460, -400], [-460, -380], [-500, -380]], undefined],
      [noise, [[1e6, 1e6], [1e6 + 40, 1e6], [1e6 + 40, 1e6 + 9], [1e6, 1e6 + 9]], undefined],
      // A thin line of one output row.
      [noise, [[0.3, 11.2], [36.7, 11.9], [36.7, 12.5], [0.3, 11.8]], undefined],
    ];
    for (const [img, quad, size] of cases) {
      for (const interpolation of ['bicubic', 'bilinear'] as const) {
        const c = compare(img, quad, size, interpolation);
        expect(c).toEqual({ case: c.case, firstDiff: -1 });
      }
    }
    // All 0, all 255, random 0/255: the clamp at both ends of the bicubic overshoot.
    for (let kind = 1; kind <= 3; kind++) {
      const img = makeImage(40, 30, kind, 11);
      const c = compare(img, [[3.3, 4.1], [35.2, 6.7], [34.1, 20.2], [2.8, 18.4]], undefined, 'bicubic');
      expect(c).toEqual({ case: c.case, firstDiff: -1 });
    }
  });

  it('crops a 1600x1200 page like the JS path (the OCR case) and does not depend on earlier warps', () => {
    const page = makeImage(1600, 1200, 0, 9);
    const line: QuadPoints = [[100.3, 50.7], [700.2, 90.1], [690.5, 160.9], [95.1, 120.4]];
    const small = makeImage(31, 17, 0, 4);
    const smallQuad: QuadPoints = [[1.5, 1.2], [29.3, 2.1], [28.8, 15.6], [0.7, 14.9]];
    const first = warpQuad(small, smallQuad, undefined, { interpolation: 'bicubic' }).data;
    for (const interpolation of ['bicubic', 'bilinear'] as const) {
      const c = compare(page, line, undefined, interpolation);
      expect(c).toEqual({ case: c.case, firstDiff: -1 });
    }
    // The page grew the memory and overwrote the window; the small warp is unchanged.
    expect(firstDiff(warpQuad(small, smallQuad, undefined, { interpolation: 'bicubic' }).data, first)).toBe(-1);
  });
});
