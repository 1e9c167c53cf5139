/**
 * Accumulates ONNX nodes and initializers while a tfjs model is walked, and tracks the
 * memory layout of every value. tfjs computes in NHWC; ORT's CPU kernels want NCHW. Rank-4
 * values are kept in NCHW between spatial ops and converted back to tfjs' layout only
 * where an op depends on element order (Flatten, Reshape, Dense) or at a graph output, so
 * a conv stack costs one Transpose at the input.
 */
import { makeNode, makeTensor, type OnnxAttributeType, type OnnxAttributeValue, type OnnxNode, type OnnxTensor } from '@modelkit/core';

/** Where a value's axes are: as in tfjs (`tf`, NHWC for rank 4) or NCHW (rank 4 only). */
export type Layout = 'tf' | 'nchw';

/** An ONNX value standing for one tfjs symbolic tensor. */
export interface Value {
  name: string;
  layout: Layout;
  /** tfjs shape including the batch axis (null = unknown size). */
  shape: (number | null)[];
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** @internal */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly converted = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A tensor name not used yet, derived from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 't';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Marks names that must not be reused (graph inputs and outputs). */
  reserve(name: string): void {
    this.used.add(name);
  }

  node(
    opType: string,
    inputs: string[],
    outputBase: string,
    attributes: Record<string, OnnxAttributeValue> = {},
    attributeTypes?: Record<string, OnnxAttributeType>,
  ): string {
    const out = this.fresh(outputBase);
    this.nodes.push(makeNode(opType, inputs, [out], attributes, out, attributeTypes ? { attributeTypes } : {}));
    return out;
  }

  floatConst(base: string, dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push(makeTensor(name, 'float32', dims, data));
    return name;
  }

  int64Const(base: string, data: number[]): string {
    const name = this.fresh(base);
    this.initializers.push(makeTensor(name, 'int64', [data.length], data));
    return name;
  }

  /** The value with rank-4 axes in NCHW (one memoised Transpose when needed). */
  asNchw(v: Value): Value {
    if (v.layout === 'nchw' || v.shape.length !== 4) return v;
    return { ...v, name: this.transpose(v.name, NHWC_TO_NCHW, 'nchw'), layout: 'nchw' };
  }

  /** The value in tfjs' own axis order (one memoised Transpose when needed). */
  asTf(v: Value): Value {
    if (v.layout === 'tf') return v;
    return { ...v, name: this.transpose(v.name, NCHW_TO_NHWC, 'nhwc'), layout: 'tf' };
  }

  /** The value in `layout` (rank-4 only; other ranks are always in tfjs order). */
  asLayout(v: Value, layout: Layout): Value {
    if (v.shape.length !== 4) return v;
    return layout === 'nchw' ? this.asNchw(v) : this.asTf(v);
  }

  /** ONNX axis of tfjs axis `axis` (negative allowed) for a value in `layout`. */
  static onnxAxis(axis: number, rank: number, layout: Layout): number {
    const a = axis < 0 ? axis + rank : axis;
    return layout === 'nchw' && rank === 4 ? NHWC_TO_NCHW.indexOf(a) : a;
  }

  private transpose(name: string, perm: number[], suffix: string): string {
    const key = `${name}|${perm.join(',')}`;
    const hit = this.converted.get(key);
    if (hit) return hit;
    const out = this.node('Transpose', [name], `${name}_${suffix}`, { perm });
    this.converted.set(key, out);
    return out;
  }
}
