import { fillTensorPixels, type TensorPlan } from './image-to-tensor';
import { WasmKernel, align16, type WasmMemory } from './wasm-kernel';
import { RESIZE_WASM_BASE64 } from './wasm/resize-wasm-bytes';

// The cv2-exact bilinear resize run by the WebAssembly SIMD128 kernel in wasm/resize.wat.
// The JS in resize-image.ts computes the coefficient tables (cheap: one entry per output
// column and row) and stays the reference and the fallback; the kernel does the per-pixel
// work, 3-6x faster than V8's code for the same integer steps (tools/bench/image-ops.ts),
// with identical output (test/image-resize-wasm.test.ts).
//
// Memory: one WebAssembly.Memory, grown to the largest resize seen and never shrunk (wasm
// memories cannot shrink): about 12 bytes per output pixel for a tensor (3 per pixel for
// 8-bit output) plus the source rows actually sampled, e.g. ~20 MB after a 4000x3000 photo.

/** @internal Coefficient tables of one resize, as `cvLinearResize` computes them. */
export interface ResizeTables {
  /** Per output column: left tap byte offset in a source row, weights a0, a1. */
  xtab: Int32Array;
  /** Per output column: right tap byte offset (read after `inner` only). */
  xofs1: Int32Array;
  /** Leading columns whose right tap is the pixel after the left one. */
  inner: number;
  /** Per output row: source rows sy, sy1, weights b0, b1. */
  ytab: Int32Array;
  /** Scratch of at least `sh` entries each (source row -> compact slot, slot -> row). */
  rowSlot: Int32Array;
  slotRow: Int32Array;
}

interface ResizeExports {
  memory: WasmMemory;
  resize(
    width: number, height: number, xtab: number, xofs1: number, inner: number, ytab: number,
    rowA: number, rowB: number, out: number, toPlanes: number, rowBuf: number,
    p0: number, p1: number, p2: number, a0: number, a1: number, a2: number, b0: number, b1: number, b2: number,
  ): void;
}

// Output channel fed by each source channel, from the plan's source of output channels 0/2.
const planeOf = (p: TensorPlan, k: number): number => (k === p.s0 ? 0 : k === p.s2 ? 2 : 1);

const kernel = new WasmKernel<ResizeExports>(RESIZE_WASM_BASE64);

/**
 * @internal Turns the WebAssembly kernel on or off (tests and benchmarks compare both
 * paths); returns the previous setting. Results are identical either way.
 */
export function setWasmResizeEnabled(on: boolean): boolean {
  return kernel.setEnabled(on);
}

/** @internal Whether resizes currently run in WebAssembly (enabled and supported). */
export function wasmResizeActive(): boolean {
  return kernel.exports() !== undefined;
}

/**
 * @internal Runs the resize in WebAssembly: the 8-bit result into `out`, or, when `out` is
 * undefined, the tensor of `plan`. Returns false (nothing written) when the kernel is off
 * or unavailable or its memory cannot grow enough; the caller then runs the JS path.
 */
export function wasmLinearResize(
  src: Uint8Array, sw: number, sh: number, width: number, height: number,
  t: ResizeTables, out: Uint8Array | undefined, plan: TensorPlan | undefined,
): boolean {
  const k = kernel.exports();
  if (!k) return false;
  const { xtab, xofs1, ytab, rowSlot, slotRow } = t;
  const rowBytes = sw * 3;

  // Only the source rows the output samples are copied in (a 4000x3000 photo shrunk to
  // 960x720 reads ~1440 of its 3000 rows), packed in order. Rows come in non-decreasing
  // order and each row pair is (sy, sy or sy+1), so a row not above the last one seen has
  // been given a slot already.
  let count = 0;
  let last = -1;
  for (let i = 0; i < height * 4; i += 4) {
    for (let j = i; j < i + 2; j++) {
      const r = ytab[j];
      if (r > last) {
        rowSlot[r] = count;
        slotRow[count++] = r;
        last = r;
      }
    }
  }

  const rowLen = width * 3;
  const n = width * height;
  const planes = out === undefined && (plan as TensorPlan).nchw;
  const xtabP = 0;
  const xofsP = align16(xtabP + width * 16);
  const ytabP = align16(xofsP + width * 4);
  // The kernel reads and writes whole vectors past the row ends (see resize.wat).
  const rowABytes = 2 * align16(rowLen) + 32;
  const rowAP = align16(ytabP + height * 16);
  const rowBP = rowAP + rowABytes;
  const rowBufP = rowBP + rowABytes;
  const outP = align16(rowBufP + align16(rowLen) + 16);
  const srcP = align16(outP + (planes ? n * 12 : rowLen * height + 16));
  const total = srcP + count * rowBytes + 16;
  if (!kernel.reserve(total)) return false;
  const u8 = kernel.view(Uint8Array);
  const i16 = kernel.view(Int16Array);
  const i32 = kernel.view(Int32Array);
  const f32 = kernel.view(Float32Array);

  for (let dx = 0, e16 = xtabP >> 1, e32 = xtabP >> 2, o = 0; dx < width; dx++, e16 += 8, e32 += 4, o += 3) {
    const a0 = xtab[o + 1];
    const a1 = xtab[o + 2];
    i16[e16] = a0;
    i16[e16 + 1] = a1;
    i16[e16 + 2] = a0;
    i16[e16 + 3] = a1;
    i16[e16 + 4] = a0;
    i16[e16 + 5] = a1;
    i32[e32 + 3] = xtab[o];
  }
  i32.set(xofs1.subarray(0, width), xofsP >> 2);
  for (let i = 0, e = ytabP >> 2; i < height * 4; i += 4, e += 4) {
    i32[e] = srcP + rowSlot[ytab[i]] * rowBytes;
    i32[e + 1] = srcP + rowSlot[ytab[i + 1]] * rowBytes;
    i32[e + 2] = ytab[i + 2];
    i32[e + 3] = ytab[i + 3];
  }
  if (count === sh) u8.set(src, srcP);
  else for (let s = 0; s < count; s++) u8.set(src.subarray(slotRow[s] * rowBytes, (slotRow[s] + 1) * rowBytes), srcP + s * rowBytes);

  const run = k.resize;
  if (!planes) {
    run(width, height, xtabP, xofsP, t.inner, ytabP, rowAP, rowBP, outP, 0, rowBufP, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    if (out) out.set(u8.subarray(outP, outP + rowLen * height));
    // NHWC tensors (not a hot path) take the 8-bit result through the JS conversion.
    else fillTensorPixels(u8, outP, n, plan as TensorPlan, 0);
    return true;
  }
  // NCHW: the kernel converts each row into the planes itself (see $toPlanes), with the
  // constants of the output channel each source channel feeds.
  const p = plan as TensorPlan;
  const a = [p.a0, p.a1, p.a2];
  const b = [p.b0, p.b1, p.b2];
  const c0 = planeOf(p, 0);
  const c1 = planeOf(p, 1);
  const c2 = planeOf(p, 2);
  run(width, height, xtabP, xofsP, t.inner, ytabP, rowAP, rowBP, outP, 1, rowBufP,
    c0 * n * 4, c1 * n * 4, c2 * n * 4, a[c0], a[c1], a[c2], b[c0], b[c1], b[c2]);
  p.out.set(f32.subarray(outP >> 2, (outP >> 2) + 3 * n), p.offset);
  return true;
}
