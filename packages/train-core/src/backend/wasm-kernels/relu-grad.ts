import * as tf from '@tensorflow/tfjs-core';
import { runOnHeap } from './js-kernel';

/**
 * The kernel behind train-core's ReLU-family gradients on wasm, one branch-free pass
 * (a data-dependent branch per value mispredicts on real activations: ~3× slower).
 * Attrs `lo`, `hi`, `kind`:
 * - `mul`: `dy · [lo < x ≤ hi]`, and NaN where x is NaN: tfjs' `dy · step(x)` (Relu) and
 *   `dy · (x ≤ 6) · step(x)` (Relu6), including dy = ±Inf times 0 giving NaN;
 * - `select`: `lo ≤ x ≤ hi ? dy : 0`: tfjs' `where(...)` (ClipByValue).
 * @internal
 */
const RANGE_MASK_GRAD = 'ModelkitRangeMaskGrad';

interface RangeMaskAttrs {
  lo: number;
  hi: number;
  kind: 'mul' | 'select';
}

/** @internal */
export const rangeMaskGradKernel: tf.KernelConfig = {
  kernelName: RANGE_MASK_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, x } = inputs as unknown as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const { lo, hi, kind } = attrs as unknown as RangeMaskAttrs;
    return runOnHeap(backend, [dy, x], x.shape.slice(), ([g, xv], out) => {
      if (kind === 'mul') maskMul(g!, xv!, out, lo, hi);
      else maskSelect(g!, xv!, out, lo, hi);
    }, false);
  },
};

function maskMul(g: Float32Array, xv: Float32Array, out: Float32Array, lo: number, hi: number): void {
  const len = out.length;
  // `&` of two comparisons is 0/1 without a branch. NaN x is patched in a second pass:
  // a `v !== v ? NaN : …` inside this loop made it ~6× slower in V8 (Node 20).
  for (let k = 0; k < len; k++) {
    const v = xv[k]!;
    out[k] = g[k]! * (+(v > lo) & +(v <= hi));
  }
  for (let k = 0; k < len; k++) {
    const v = xv[k]!;
    if (v !== v) out[k] = NaN;
  }
}

function maskSelect(g: Float32Array, xv: Float32Array, out: Float32Array, lo: number, hi: number): void {
  const len = out.length;
  for (let k = 0; k < len; k++) {
    const v = xv[k]!;
    const m = +(v >= lo) & +(v <= hi);
    const p = g[k]! * m;
    // p is NaN only for a non-finite (or NaN) dy; then select exactly as `where`.
    // `+ 0` turns the -0 of a negative dy times 0 into where's +0.
    out[k] = p === p ? p + 0 : m ? g[k]! : 0;
  }
}

/**
 * Gradients of Relu, Relu6 and ClipByValue (tfjs-layers' `reLU({ maxValue: 6 })` is
 * Relu then ClipByValue) as one {@link RANGE_MASK_GRAD} kernel each on the wasm backend,
 * with tfjs' exact boundary semantics; tfjs composes them from 3 (Relu: step, cast, mul),
 * 4 (Relu6) and 5 (ClipByValue: greaterEqual, lessEqual, logicalAnd, zerosLike, select)
 * element-wise kernels. Other backends, and non-float32 tensors, keep tfjs' gradient.
 */
const MASKS: Record<string, (attrs: tf.NamedAttrMap) => RangeMaskAttrs> = {
  // dy · step(x): x > 0, NaN → NaN.
  [tf.Relu]: () => ({ lo: 0, hi: Infinity, kind: 'mul' }),
  // dy · (x ≤ 6) · step(x): 0 < x ≤ 6, NaN → NaN.
  [tf.Relu6]: () => ({ lo: 0, hi: 6, kind: 'mul' }),
  // where(min ≤ x ≤ max, dy, 0): NaN → 0.
  [tf.ClipByValue]: (attrs) => {
    const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
    return { lo: clipValueMin, hi: clipValueMax, kind: 'select' };
  },
};

const originals = new Map<string, tf.GradConfig>();

function fusedGradConfig(kernelName: string, original: tf.GradConfig): tf.GradConfig {
  const mask = MASKS[kernelName]!;
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const dyt = dy as tf.Tensor;
      if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || dyt.dtype !== 'float32') return original.gradFunc(dy, saved, attrs);
      return {
        x: () => tf.engine().runKernel(RANGE_MASK_GRAD, { dy: dyt, x }, mask(attrs) as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    },
  };
}

/**
 * Installs (`true`) or removes (`false`, back to tfjs' own) the fused ReLU-family
 * gradients. Gradients are global in tfjs, so the fused ones check the active backend.
 * @internal
 */
export function useFusedReluGradients(on: boolean): void {
  for (const name of Object.keys(MASKS)) {
    if (!originals.has(name)) {
      const g = tf.getGradient(name);
      if (g === undefined) continue;
      originals.set(name, g);
    }
    const original = originals.get(name)!;
    tf.registerGradient(on ? fusedGradConfig(name, original) : original);
  }
}
