import { roundHalfEven } from './resize-image';

// The interpolation weight tables of cv2's 8-bit remap, shared by the JS warp in
// warp-quad.ts (the reference) and the WebAssembly kernel in warp-wasm.ts.

/** @internal Sub-pixel bits of cv2's remap (INTER_BITS): positions are rounded to 1/32 pixel. */
export const TAB_BITS = 5;
/** @internal 32 sub-pixel positions per axis. */
export const TAB_SIZE = 1 << TAB_BITS;
/** @internal Fixed-point bits of the bilinear weights (INTER_REMAP_COEF_BITS). */
export const COEF_BITS = 10;
/** @internal 1024: the bilinear weights of one position sum to this. */
export const COEF_SCALE = 1 << COEF_BITS;

let bilinearTab: Int16Array | undefined;
let bicubicTab: Float32Array | undefined;

/** @internal Bicubic weights, 32x32 sub-pixel positions x 16 taps, float32 like cv2's 8-bit cubic remap. */
function cubicTab(): Float32Array {
  if (bicubicTab) return bicubicTab;
  const tab1d = new Float32Array(TAB_SIZE * 4);
  for (let i = 0; i < TAB_SIZE; i++) cubicCoeffs(Math.fround(i * Math.fround(1 / TAB_SIZE)), tab1d, i * 4);
  const tab = new Float32Array(TAB_SIZE * TAB_SIZE * 16);
  for (let i = 0; i < TAB_SIZE; i++) {
    for (let j = 0; j < TAB_SIZE; j++) {
      for (let k1 = 0; k1 < 4; k1++) {
        for (let k2 = 0; k2 < 4; k2++) tab[(i * TAB_SIZE + j) * 16 + k1 * 4 + k2] = tab1d[i * 4 + k1] * tab1d[j * 4 + k2];
      }
    }
  }
  bicubicTab = tab;
  return tab;
}

/** @internal cv2 `initInterTab2D` for bilinear: 32x32 sub-pixel positions x 4 weights summing to 1024. */
export function bilinearFixedTab(): Int16Array {
  if (bilinearTab) return bilinearTab;
  const k = 2;
  const tab1d = new Float32Array(TAB_SIZE * k);
  for (let i = 0; i < TAB_SIZE; i++) {
    const x = Math.fround(i * Math.fround(1 / TAB_SIZE));
    tab1d[i * 2] = Math.fround(1 - x);
    tab1d[i * 2 + 1] = x;
  }
  const tab = new Int16Array(TAB_SIZE * TAB_SIZE * k * k);
  for (let i = 0; i < TAB_SIZE; i++) {
    for (let j = 0; j < TAB_SIZE; j++) {
      const base = (i * TAB_SIZE + j) * k * k;
      let sum = 0;
      for (let k1 = 0; k1 < k; k1++) {
        for (let k2 = 0; k2 < k; k2++) {
          const v = roundHalfEven(Math.fround(Math.fround(tab1d[i * k + k1] * tab1d[j * k + k2]) * COEF_SCALE));
          tab[base + k1 * k + k2] = v;
          sum += v;
        }
      }
      if (sum !== COEF_SCALE) {
        // Same rounding repair as OpenCV, so our weights are its weights.
        const diff = sum - COEF_SCALE;
        const k0 = k >> 1;
        let mk1 = k0, mk2 = k0, Mk1 = k0, Mk2 = k0;
        for (let k1 = k0; k1 < k0 + 2; k1++) {
          for (let k2 = k0; k2 < k0 + 2; k2++) {
            const v = tab[base + k1 * k + k2];
            if (v < tab[base + mk1 * k + mk2]) {
              mk1 = k1;
              mk2 = k2;
            } else if (v > tab[base + Mk1 * k + Mk2]) {
              Mk1 = k1;
              Mk2 = k2;
            }
          }
        }
        if (diff < 0) tab[base + Mk1 * k + Mk2] -= diff;
        else tab[base + mk1 * k + mk2] -= diff;
      }
    }
  }
  bilinearTab = tab;
  return tab;
}

/** cv2 `interpolateCubic` (A = -0.75), in float32 like OpenCV. */
function cubicCoeffs(x: number, out: Float32Array, o: number): void {
  const f = Math.fround;
  const A = -0.75;
  const x1 = f(x + 1);
  out[o] = f(f(f(f(f(f(A * x1) - 5 * A) * x1) + 8 * A) * x1) - 4 * A);
  out[o + 1] = f(f(f(f(f((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const y = f(1 - x);
  out[o + 2] = f(f(f(f(f((A + 2) * y) - (A + 3)) * y) * y) + 1);
  out[o + 3] = f(f(f(1 - out[o]) - out[o + 1]) - out[o + 2]);
}

let bicubicTab64: Float64Array | undefined;

/** @internal `cubicTab` widened once to float64 (exact), so the hot loop skips float32 loads. */
export function cubicTab64(): Float64Array {
  if (!bicubicTab64) bicubicTab64 = Float64Array.from(cubicTab());
  return bicubicTab64;
}
