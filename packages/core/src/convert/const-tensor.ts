/**
 * Constant tensors held in memory while converting: weights, and values the converter
 * computes itself (folded shape arithmetic, permuted filters).
 */

/** Element types the converter computes with. int64 values are kept in Int32/Float64-safe numbers. */
export type ConstDtype = 'float32' | 'int32' | 'int64' | 'bool';

/** A dense constant, row-major. */
export interface ConstTensor {
  dtype: ConstDtype;
  shape: number[];
  /** float32 → Float32Array; int32/int64/bool → Int32Array (int64 values here are small: shapes, indices). */
  data: Float32Array | Int32Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A new typed array of the kind `dtype` uses. */
function allocFor(dtype: ConstDtype, n: number): Float32Array | Int32Array {
  return dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
}

/** Makes a constant (copying `values`). */
export function makeConst(dtype: ConstDtype, shape: number[], values: ArrayLike<number>): ConstTensor {
  const data = allocFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i];
  return { dtype, shape: [...shape], data };
}

/** out = transpose(t, perm): out.shape[i] = t.shape[perm[i]]. */
export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const rank = t.shape.length;
  const outShape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const out = allocFor(t.dtype, t.data.length);
  const idx = new Array<number>(rank).fill(0);
  // Stride of input for each output axis, so one odometer walk does the copy.
  const walk = perm.map((p) => inStrides[p]);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = t.data[src];
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += walk[a];
      if (idx[a] < outShape[a]) break;
      src -= walk[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out };
}

/** The same data viewed with a new shape (sizes must match). */
export function reshapeConst(t: ConstTensor, shape: number[]): ConstTensor {
  return { dtype: t.dtype, shape, data: t.data };
}

/** Prepends 1s so the constant has `rank` dims (numpy broadcasting alignment). */
export function expandRank(t: ConstTensor, rank: number): ConstTensor {
  if (t.shape.length >= rank) return t;
  return { dtype: t.dtype, shape: [...new Array<number>(rank - t.shape.length).fill(1), ...t.shape], data: t.data };
}

/** Broadcast shape of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: readonly (number | null)[], b: readonly (number | null)[]): (number | null)[] | null {
  const rank = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x === y) out.push(x);
    else return null;
  }
  return out;
}

/** Elementwise binary function of two constants with numpy broadcasting. */
export function binaryConst(a: ConstTensor, b: ConstTensor, fn: (x: number, y: number) => number, dtype: ConstDtype = a.dtype): ConstTensor {
  const shape = broadcastShapes(a.shape, b.shape) as number[] | null;
  if (!shape) throw new Error(`shapes [${a.shape}] and [${b.shape}] do not broadcast`);
  const rank = shape.length;
  const ea = expandRank(a, rank);
  const eb = expandRank(b, rank);
  const sa = stridesOf(ea.shape).map((s, i) => (ea.shape[i] === 1 ? 0 : s));
  const sb = stridesOf(eb.shape).map((s, i) => (eb.shape[i] === 1 ? 0 : s));
  const n = sizeOf(shape);
  const out = allocFor(dtype, n);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o++) {
    out[o] = fn(ea.data[ia], eb.data[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape, data: out };
}

