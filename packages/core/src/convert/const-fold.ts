/**
 * Evaluates nodes whose inputs are all constants while converting. Graphs that went
 * through onnx-tf (NanoDet) compute their reshape targets with int64 arithmetic and
 * SparseToDense; folding them keeps that bookkeeping out of the ONNX graph and lets
 * the mappers see plain constant shapes.
 */
import { type ConstTensor, binaryConst, makeConst, reshapeConst, sizeOf, transposeConst } from './const-tensor';
import { attrDtype, attrInt } from './tfjs-attrs';
import type { TfjsNode } from './tfjs-model-json';

type Folder = (node: TfjsNode, inputs: ConstTensor[]) => ConstTensor[];

const arith = (fn: (x: number, y: number) => number): Folder => (_node, [a, b]) => {
  const out = binaryConst(a, b, fn);
  return [a.dtype === 'float32' ? out : { ...out, data: Int32Array.from(out.data, Math.trunc) }];
};

function sparseToDense(_node: TfjsNode, [indices, shape, values, deflt]: ConstTensor[]): ConstTensor[] {
  const dims = Array.from(shape.data);
  const out = makeConst(values.dtype, dims, new Array<number>(sizeOf(dims)).fill(deflt.data[0]));
  const rank = dims.length;
  const n = indices.shape.length === 0 ? 1 : indices.shape[0];
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, d) => a * d, 1));
  for (let k = 0; k < n; k++) {
    let flat = 0;
    for (let r = 0; r < rank; r++) flat += indices.data[k * rank + r] * strides[r];
    out.data[flat] = values.shape.length === 0 ? values.data[0] : values.data[k];
  }
  return [out];
}

function reshape(_node: TfjsNode, [x, shape]: ConstTensor[]): ConstTensor[] {
  const target = Array.from(shape.data);
  const rest = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  return [reshapeConst(x, target.map((d) => (d === -1 ? x.data.length / rest : d)))];
}

function cast(node: TfjsNode, [x]: ConstTensor[]): ConstTensor[] {
  const to = attrDtype(node, 'DstT', 'float32');
  return [makeConst(to, x.shape, to === 'float32' ? x.data : Array.from(x.data, (v) => (to === 'bool' ? (v ? 1 : 0) : Math.trunc(v))))];
}

function pack(node: TfjsNode, inputs: ConstTensor[]): ConstTensor[] {
  if (attrInt(node, 'axis', 0) !== 0) throw new Error('Pack folding supports axis 0 only');
  const values = inputs.flatMap((t) => Array.from(t.data));
  return [makeConst(inputs[0].dtype, [inputs.length, ...inputs[0].shape], values)];
}

function concat1d(_node: TfjsNode, inputs: ConstTensor[]): ConstTensor[] {
  const parts = inputs.slice(0, -1);
  if (parts.some((p) => p.shape.length !== 1)) throw new Error('Concat folding supports 1-D inputs only');
  const values = parts.flatMap((t) => Array.from(t.data));
  return [makeConst(parts[0].dtype, [values.length], values)];
}

const FOLDERS: Record<string, Folder> = {
  Identity: (_n, [x]) => [x],
  Add: arith((x, y) => x + y),
  AddV2: arith((x, y) => x + y),
  Sub: arith((x, y) => x - y),
  Mul: arith((x, y) => x * y),
  RealDiv: arith((x, y) => x / y),
  FloorDiv: arith((x, y) => Math.floor(x / y)),
  Maximum: arith(Math.max),
  Minimum: arith(Math.min),
  SparseToDense: sparseToDense,
  Reshape: reshape,
  Cast: cast,
  Pack: pack,
  ConcatV2: concat1d,
  Transpose: (_n, [x, perm]) => [transposeConst(x, Array.from(perm.data))],
};

/**
 * The node's outputs when it can be evaluated now, or null to leave it to the mappers.
 * Folding is an optimisation: any folder that cannot handle a case declines.
 */
export function tryFold(node: TfjsNode, inputs: ConstTensor[]): ConstTensor[] | null {
  const fold = FOLDERS[node.op];
  if (!fold) return null;
  try {
    return fold(node, inputs);
  } catch {
    return null;
  }
}
