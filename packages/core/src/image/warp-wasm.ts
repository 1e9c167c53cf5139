import type { Homography } from './homography';
import type { QuadPoints, RgbImage } from './types';
import { bilinearFixedTab, cubicTab64 } from './warp-tables';
import { WasmKernel, align16, type WasmMemory } from './wasm-kernel';
import { WARP_WASM_BASE64 } from './wasm/warp-wasm-bytes';

// The cv2-exact perspective warp (bicubic and bilinear) run by the WebAssembly SIMD128 kernel
// in wasm/warp.wat. The JS in warp-quad.ts computes the homography and stays the reference
// and the fallback; the kernel does the per-pixel work, ~3x faster than V8's code for the
// same float64 steps (tools/bench/image-ops.ts), with identical output
// (test/image-warp-wasm.test.ts).
//
// The kernel samples float64 copies of the source pixels (converted once per warp), not the
// bytes: a bicubic pixel reads 48 source values, and converting them per tap cost more than
// the sums. Only a window around the quad is copied (a text line of a 1600x1200 page is a few
// hundred by a few dozen pixels): the quad's bounding box plus the taps' reach. Positions that
// leave the window (concave or self-crossing quads, whose homography can send pixels anywhere)
// are caught by the kernel, which then reruns on the whole image.
//
// Memory: one WebAssembly.Memory, grown to the largest warp seen and never shrunk (wasm
// memories cannot shrink): 160 KB of weight tables, 3 bytes per output pixel (and 8 per output column) and 27 per
// window pixel, e.g. ~2 MB for a 600x70 line. Windows over MAX_WINDOW_PIXELS take the JS
// path rather than pin ~60 MB or more for the life of the process.

/** Windows larger than this (in pixels) are warped by the JS path. */
const MAX_WINDOW_PIXELS = 1 << 21;

interface WarpExports {
  memory: WasmMemory;
  planes(src: number, n: number, rg: number, b: number): void;
  warp(
    width: number, height: number, linear: number,
    m0: number, m1: number, m2: number, m3: number, m4: number, m5: number, m6: number, m7: number, m8: number,
    sw: number, sh: number, wx0: number, wy0: number, ww: number, wh: number,
    rg: number, b: number, tab: number, ltab: number, patch: number, out: number, pos: number,
  ): number;
}

// Fixed layout at the start of the memory: the weight tables (written once) and the patch.
const TAB = 0; // 1024 x 16 float64
const LTAB = TAB + 1024 * 16 * 8; // 1024 x 4 float64
const PATCH = LTAB + 1024 * 4 * 8; // 4 x 64 + 4 x 32 bytes
const DYNAMIC = PATCH + 512;

const kernel = new WasmKernel<WarpExports>(WARP_WASM_BASE64, (exports) => {
  const f64 = new Float64Array(exports.memory.buffer);
  f64.set(cubicTab64(), TAB / 8);
  f64.set(bilinearFixedTab(), LTAB / 8);
});

/**
 * @internal Turns the WebAssembly kernel on or off (tests and benchmarks compare both
 * paths); returns the previous setting. Results are identical either way.
 */
export function setWasmWarpEnabled(on: boolean): boolean {
  return kernel.setEnabled(on);
}

/** @internal Whether warps currently run in WebAssembly (enabled and supported). */
export function wasmWarpActive(): boolean {
  return kernel.exports() !== undefined;
}

/** Source columns (or rows) [lo, hi) that taps of positions in [min, max] can reach. */
function span(min: number, max: number, n: number): [number, number] {
  // Bicubic taps reach 1 pixel before and 2 after the integer part; 1 more on each side
  // absorbs the 1/64 pixel of position rounding and float error.
  const lo = Math.min(n - 1, Math.max(0, Math.floor(min) - 3));
  const hi = Math.max(lo + 1, Math.min(n, Math.floor(max) + 4));
  return [lo, hi];
}

/**
 * @internal Runs `warpQuad`'s sampling in WebAssembly into `out` (width x height RGB).
 * Returns false (nothing written) when the kernel is off or unavailable, the window is too
 * large or the memory cannot grow enough; the caller then runs the JS path.
 */
export function wasmWarp(
  img: RgbImage, quad: QuadPoints, m: Homography, out: Uint8Array, width: number, height: number, linear: boolean,
): boolean {
  const k = kernel.exports();
  if (!k) return false;
  const sw = img.width;
  const sh = img.height;
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  let [wx0, wx1] = span(Math.min(...xs), Math.max(...xs), sw);
  let [wy0, wy1] = span(Math.min(...ys), Math.max(...ys), sh);
  for (;;) {
    const ww = wx1 - wx0;
    const wh = wy1 - wy0;
    if (ww * wh > MAX_WINDOW_PIXELS) return false;
    const r = warpWindow(k, img, m, width, height, linear, wx0, wy0, ww, wh);
    if (r === undefined) return false;
    if (r) {
      out.set(r);
      return true;
    }
    // Clamped taps always lie in the image, so the whole image cannot miss; stop anyway.
    if (ww === sw && wh === sh) return false;
    [wx0, wx1, wy0, wy1] = [0, sw, 0, sh];
  }
}

/** The warp over one window: the output bytes (a view of the memory), null when a tap left the window, undefined when the memory cannot grow. */
function warpWindow(
  k: WarpExports, img: RgbImage, m: Homography, width: number, height: number, linear: boolean,
  wx0: number, wy0: number, ww: number, wh: number,
): Uint8Array | null | undefined {
  const n = ww * wh;
  const outP = DYNAMIC;
  const outBytes = width * height * 3;
  const posP = align16(outP + outBytes + 16);
  const srcP = align16(posP + width * 8 + 16);
  const rgP = align16(srcP + n * 3 + 16);
  const bP = align16(rgP + n * 16 + 64);
  const total = bP + n * 8 + 64;
  if (!kernel.reserve(total)) return undefined;
  const u8 = kernel.view(Uint8Array);
  const src = img.data;
  const rowBytes = ww * 3;
  const stride = img.width * 3;
  if (ww === img.width) u8.set(src.subarray(wy0 * stride, (wy0 + wh) * stride), srcP);
  else for (let y = 0; y < wh; y++) u8.set(src.subarray((wy0 + y) * stride + wx0 * 3, (wy0 + y) * stride + wx0 * 3 + rowBytes), srcP + y * rowBytes);
  k.planes(srcP, n, rgP, bP);
  const r = k.warp(width, height, linear ? 1 : 0, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8],
    img.width, img.height, wx0, wy0, ww, wh, rgP, bP, TAB, LTAB, PATCH, outP, posP);
  return r === 0 ? u8.subarray(outP, outP + outBytes) : null;
}
