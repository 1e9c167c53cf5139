/**
 * Accumulates ONNX nodes and initializers while the converter walks a tfjs graph, and
 * moves values between the TF layout and NCHW (see {@link TfValue}).
 */
import type { OnnxDataType } from '../onnx/data-types';
import type { OnnxAttributeType, OnnxAttributeValue, OnnxNode, OnnxTensor } from '../onnx/types';
import { type ConstDtype, type ConstTensor, transposeConst, expandRank } from './const-tensor';
import { TO_NCHW, TO_NHWC, type TfValue } from './tf-value';

/** ONNX element type of a converter dtype. */
export function onnxTypeOf(dtype: ConstDtype): OnnxDataType {
  return dtype;
}

/** `TensorProto.DataType` numbers used by Cast. */
export const ONNX_TYPE_NUMBER: Record<ConstDtype, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

/** Attributes of a node, with the kind of each float attribute spelled out. */
export type NodeAttrs = Record<string, OnnxAttributeValue>;

/** Collects the graph; one instance per conversion. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly constNames = new WeakMap<ConstTensor, Map<string, string>>();
  private readonly layoutCache = new Map<string, string>();

  /** Reserves a name so generated names never collide with it. */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** A fresh tensor/node name based on `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Appends a node; float attributes listed in `floats` are typed as floats even when integral. */
  addNode(opType: string, inputs: string[], outputs: string[], attributes: NodeAttrs = {}, floats: string[] = [], nameHint?: string): OnnxNode {
    const attributeTypes: Record<string, OnnxAttributeType> = {};
    for (const f of floats) attributeTypes[f] = 'float';
    const node: OnnxNode = {
      name: this.uniqueName(nameHint ?? `${outputs[0]}/${opType}`),
      opType,
      domain: '',
      inputs,
      outputs,
      attributes,
      attributeTypes,
    };
    this.nodes.push(node);
    return node;
  }

  /** Writes a constant as an initializer once per (constant, type) and returns its name. */
  initializer(c: ConstTensor, nameHint: string, as: ConstDtype = c.dtype): string {
    let byType = this.constNames.get(c);
    if (!byType) {
      byType = new Map();
      this.constNames.set(c, byType);
    }
    const known = byType.get(as);
    if (known) return known;
    const name = this.uniqueName(nameHint);
    this.initializers.push({ name, dataType: onnxTypeOf(as), dims: [...c.shape], data: toOnnxData(c, as) });
    byType.set(as, name);
    return name;
  }

  /** An initializer from plain numbers. */
  constant(nameHint: string, dtype: ConstDtype, shape: number[], values: ArrayLike<number>): string {
    const data = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
    return this.initializer({ dtype, shape, data }, nameHint);
  }

  /** An int64 1-D initializer (shapes, axes, pads). Large magnitudes go through bigint. */
  int64(nameHint: string, values: readonly (number | bigint)[]): string {
    const name = this.uniqueName(nameHint);
    this.initializers.push({ name, dataType: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }

  /** The ONNX tensor holding `v` in its own layout (constants become initializers). */
  input(v: TfValue, hint: string, as?: ConstDtype): string {
    if (v.constant) return this.initializer(v.constant, hint, as ?? v.constant.dtype);
    if (as && as !== v.dtype) return this.cast(v.name, as);
    return v.name;
  }

  /** The ONNX tensor holding `v` in the TF layout. */
  logical(v: TfValue, hint: string, as?: ConstDtype): string {
    if (!v.nchw) return this.input(v, hint, as);
    return this.transposeCached(v.name, TO_NHWC, 'nhwc');
  }

  /** The ONNX tensor holding 4-D `v` as NCHW (constants are transposed here, not in the graph). */
  nchw(v: TfValue, hint: string): string {
    if (v.nchw) return v.name;
    if (v.constant) return this.initializer(transposeConst(expandRank(v.constant, 4), TO_NCHW), `${hint}/nchw`);
    return this.transposeCached(v.name, TO_NCHW, 'nchw');
  }

  /** Casts an ONNX tensor to `to` (cached per tensor and type). */
  cast(name: string, to: ConstDtype): string {
    const key = `${name}|cast|${to}`;
    const known = this.layoutCache.get(key);
    if (known) return known;
    const out = this.uniqueName(`${name}/cast_${to}`);
    this.addNode('Cast', [name], [out], { to: ONNX_TYPE_NUMBER[to] });
    this.layoutCache.set(key, out);
    return out;
  }

  private transposeCached(name: string, perm: readonly number[], tag: string): string {
    const key = `${name}|${tag}`;
    const known = this.layoutCache.get(key);
    if (known) return known;
    const out = this.uniqueName(`${name}/${tag}`);
    this.addNode('Transpose', [name], [out], { perm: [...perm] });
    this.layoutCache.set(key, out);
    return out;
  }
}

function toOnnxData(c: ConstTensor, as: ConstDtype): OnnxTensor['data'] {
  switch (as) {
    case 'float32':
      return c.data instanceof Float32Array ? c.data : Float32Array.from(c.data);
    case 'int32':
      return c.data instanceof Int32Array ? c.data : Int32Array.from(c.data, Math.trunc);
    case 'int64':
      return BigInt64Array.from(Array.from(c.data, (v) => BigInt(Math.trunc(v))));
    case 'bool':
      return Uint8Array.from(c.data, (v) => (v ? 1 : 0));
  }
}
