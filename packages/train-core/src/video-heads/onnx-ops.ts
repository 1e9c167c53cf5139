/**
 * The ONNX side of the video heads: small emitters over the exporter's GraphBuilder, each
 * mirroring one tfjs computation of `seq-ops.ts`, so every head writes its graph from the
 * weights it trains with. Opset 13 (ReduceSum takes axes as an input, ReduceMean as an attribute).
 */
import type { GraphBuilder } from '../export/graph-builder';

/** Emitters of common pieces. `x` arguments are tensor names. */
export class OnnxOps {
  constructor(readonly g: GraphBuilder) {}

  /** `x · W (+ b)` over the last axis of any rank; W is `[in, out]` row-major as in tfjs. */
  dense(x: string, w: ArrayLike<number>, dims: [number, number], bias: ArrayLike<number> | null, base: string): string {
    const y = this.g.node('MatMul', [x, this.g.floatConst(`${base}_W`, dims, w)], `${base}_mm`);
    return bias ? this.g.node('Add', [y, this.g.floatConst(`${base}_B`, [dims[1]], bias)], base) : y;
  }

  unary(op: 'Tanh' | 'Relu' | 'Sigmoid' | 'Sqrt', x: string, base: string): string {
    return this.g.node(op, [x], `${base}_${op.toLowerCase()}`);
  }

  binary(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Max' | 'MatMul', a: string, b: string, base: string): string {
    return this.g.node(op, [a, b], `${base}_${op.toLowerCase()}`);
  }

  /** A float constant of any shape. */
  const(base: string, dims: number[], data: ArrayLike<number>): string {
    return this.g.floatConst(base, dims, data);
  }

  /** Reshape; a 0 keeps that input axis, -1 is inferred. */
  reshape(x: string, shape: number[], base: string): string {
    return this.g.node('Reshape', [x, this.g.int64Const(`${base}_shape`, shape)], `${base}_reshape`);
  }

  transpose(x: string, perm: number[], base: string): string {
    return this.g.node('Transpose', [x], `${base}_t`, { perm });
  }

  softmax(x: string, axis: number, base: string): string {
    return this.g.node('Softmax', [x], `${base}_softmax`, { axis });
  }

  reduceSum(x: string, axes: number[], keepdims: boolean, base: string): string {
    return this.g.node('ReduceSum', [x, this.g.int64Const(`${base}_axes`, axes)], `${base}_sum`, { keepdims: keepdims ? 1 : 0 });
  }

  reduceMean(x: string, axes: number[], keepdims: boolean, base: string): string {
    return this.g.node('ReduceMean', [x], `${base}_mean`, { axes, keepdims: keepdims ? 1 : 0 });
  }

  concat(xs: string[], axis: number, base: string): string {
    return xs.length === 1 ? xs[0] : this.g.node('Concat', xs, `${base}_concat`, { axis });
  }

  /** `x[..., start:end]` on the last axis of a rank-3 value. */
  sliceLast(x: string, start: number, end: number, base: string): string {
    return this.g.node('Slice', [x, this.g.int64Const(`${base}_starts`, [start]), this.g.int64Const(`${base}_ends`, [end]), this.g.int64Const(`${base}_axes`, [2])], `${base}_slice`);
  }

  /** `x / sqrt(max(sum(x², axis), eps))`, Paddle's and TensorFlow's l2_normalize. */
  l2Normalize(x: string, axis: number, eps: number, base: string): string {
    const sq = this.binary('Mul', x, x, `${base}_sq`);
    const sum = this.reduceSum(sq, [axis], true, base);
    const floor = this.binary('Max', sum, this.const(`${base}_eps`, [], [eps]), `${base}_floor`);
    return this.binary('Div', x, this.unary('Sqrt', floor, base), base);
  }

  /** Per-channel `x · scale + shift` on the last axis (an inference-mode batch norm). */
  affine(x: string, scale: ArrayLike<number>, shift: ArrayLike<number>, base: string): string {
    const m = this.binary('Mul', x, this.const(`${base}_scale`, [scale.length], scale), base);
    return this.binary('Add', m, this.const(`${base}_shift`, [shift.length], shift), base);
  }
}
