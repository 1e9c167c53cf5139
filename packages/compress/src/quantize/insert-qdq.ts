/**
 * Writes a {@link QuantPlan} into a model: QuantizeLinear/DequantizeLinear pairs on the
 * planned tensors, int8 weights and int32 biases behind DequantizeLinear, constant operands
 * as uint8, HardSigmoid rewritten for integer execution, fused Relu/Clip removed. The
 * source model is not modified; the result shares its untouched initializers.
 */
import { makeNode, makeTensor, topologicalSort } from '@modelkit/core';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxTensor } from '@modelkit/core';
import { GraphIndex, floatAttr, intAttr } from '../graph/graph-index';
import type { QuantPlan } from './plan';
import { quantizeBias, quantizeWeightsPerChannel, quantizeWeightsPerTensor, uint8Params, type QParams } from './qparams';

class Rewriter {
  readonly index: GraphIndex;
  readonly inits: OnnxTensor[] = [];
  /** New nodes to insert right after an anchor node (or at the front, for `null`). */
  readonly after = new Map<OnnxNode | null, OnnxNode[]>();
  readonly clones = new Map<OnnxNode, OnnxNode>();
  readonly dropped = new Set<OnnxNode>();

  constructor(readonly graph: OnnxGraph) {
    this.index = new GraphIndex(graph);
    for (const n of graph.nodes) this.clones.set(n, { ...n, inputs: n.inputs.slice(), outputs: n.outputs.slice(), attributes: { ...n.attributes } });
  }

  clone(node: OnnxNode): OnnxNode {
    return this.clones.get(node)!;
  }

  insertAfter(anchor: OnnxNode | null, ...nodes: OnnxNode[]): void {
    const list = this.after.get(anchor) ?? [];
    list.push(...nodes);
    this.after.set(anchor, list);
  }

  constant(hint: string, dataType: OnnxTensor['dataType'], dims: number[], data: ArrayLike<number>): string {
    const name = this.index.fresh(hint);
    this.inits.push(makeTensor(name, dataType, dims, data));
    return name;
  }

  /** Scale and zero-point initializers of uint8 `params`. */
  qparams(hint: string, params: QParams): [string, string] {
    return [this.constant(`${hint}/scale`, 'float32', [], [params.scale]), this.constant(`${hint}/zero_point`, 'uint8', [], [params.zeroPoint])];
  }

  q(input: string, scale: string, zp: string, output: string, hint: string, axis?: number): OnnxNode {
    return makeNode('QuantizeLinear', [input, scale, zp], [output], axis === undefined ? {} : { axis }, this.index.fresh(`${hint}/QuantizeLinear`));
  }

  dq(input: string, scale: string, zp: string, output: string, hint: string, axis?: number): OnnxNode {
    return makeNode('DequantizeLinear', [input, scale, zp], [output], axis === undefined ? {} : { axis }, this.index.fresh(`${hint}/DequantizeLinear`));
  }

  /** Replaces a float constant input of `node` by int8 weights (per channel along `axis`, or per tensor) behind a DequantizeLinear; returns the weight scales. */
  weight(node: OnnxNode, input: number, axis: number | null): Float32Array {
    const w = this.index.initializer(node.inputs[input])!;
    const hint = w.name;
    const out = this.index.fresh(`${hint}/dequantized`);
    let scales: Float32Array;
    if (axis === null) {
      const q = quantizeWeightsPerTensor(w.data as Float32Array);
      scales = new Float32Array([q.scale]);
      const data = this.constant(`${hint}/int8`, 'int8', w.dims, q.data);
      const scale = this.constant(`${hint}/scale`, 'float32', [], scales);
      const zp = this.constant(`${hint}/zero_point`, 'int8', [], [0]);
      this.insertAfter(null, this.dq(data, scale, zp, out, hint));
    } else {
      const q = quantizeWeightsPerChannel(w.data as Float32Array, w.dims, axis);
      scales = q.scales;
      const data = this.constant(`${hint}/int8`, 'int8', w.dims, q.data);
      const scale = this.constant(`${hint}/scale`, 'float32', [scales.length], scales);
      const zp = this.constant(`${hint}/zero_point`, 'int8', [scales.length], new Int8Array(scales.length));
      this.insertAfter(null, this.dq(data, scale, zp, out, hint, axis));
    }
    this.clone(node).inputs[input] = out;
    return scales;
  }

  /** Replaces a float bias input by int32 values on the grid `inputScale * weightScale[c]`. */
  bias(node: OnnxNode, input: number, inputScale: number, weightScales: Float32Array, correction?: Float32Array): void {
    const name = node.inputs[input];
    let values: Float32Array;
    let dims: number[];
    let hint: string;
    if (name === undefined || name === '') {
      // No bias, but a correction to add: a new one.
      if (correction === undefined) return;
      values = correction;
      dims = [correction.length];
      hint = `${node.name}/bias`;
      while (this.clone(node).inputs.length < input) this.clone(node).inputs.push('');
    } else {
      const b = this.index.initializer(name)!;
      values = correction === undefined ? (b.data as Float32Array) : (b.data as Float32Array).map((v, i) => v + correction[i]!);
      dims = b.dims;
      hint = name;
    }
    const q = quantizeBias(values, inputScale, weightScales);
    const n = q.data.length;
    const out = this.index.fresh(`${hint}/dequantized`);
    const data = this.constant(`${hint}/int32`, 'int32', dims, q.data);
    const scale = this.constant(`${hint}/scale`, 'float32', [n], q.scales);
    const zp = this.constant(`${hint}/zero_point`, 'int32', [n], new Int32Array(n));
    this.insertAfter(null, this.dq(data, scale, zp, out, hint, 0));
    this.clone(node).inputs[input] = out;
  }

  /** Replaces a float constant operand (Add/Mul/Concat) by uint8 values behind a DequantizeLinear. */
  constantOperand(node: OnnxNode, input: number): void {
    const name = node.inputs[input]!;
    const t = this.index.initializer(name)!;
    const values = t.data as Float32Array;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    const p = uint8Params({ lo, hi });
    const data = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(values[i]! / p.scale) + p.zeroPoint));
    const q = this.constant(`${name}/uint8`, 'uint8', t.dims, data);
    const [scale, zp] = this.qparams(name, p);
    const out = this.index.fresh(`${name}/dequantized`);
    this.insertAfter(null, this.dq(q, scale, zp, out, name));
    this.clone(node).inputs[input] = out;
  }
}

/**
 * Applies `plan` (made by `planQuantization` for this model's graph) and returns the
 * quantized model. The model's default-domain opset must be at least 13 when layers with
 * per-channel weights are planned (per-axis DequantizeLinear); `prepareForQdq` sees to it.
 */
export function insertQdq(model: OnnxModel, plan: QuantPlan): OnnxModel {
  const graph = model.graph;
  const rw = new Rewriter(graph);
  const { index } = rw;
  const scaleOf = (tensor: string): number => plan.tensors.get(tensor)!.params.scale;

  // Tensors first: rewiring the readers of quantized graph inputs must precede the layer
  // rewrites that read those inputs' new names.
  for (const [tensor, quant] of plan.tensors) {
    if (quant.source !== 'qdq') continue;
    const [scale, zp] = rw.qparams(tensor, quant.params);
    const quantized = index.fresh(`${tensor}/quantized`);
    const producer = index.producer(tensor);
    if (producer === undefined) {
      // A graph input: quantize at the front and point every reader at the dequantized copy.
      const dequantized = index.fresh(`${tensor}/dequantized`);
      for (const reader of index.readers(tensor)) {
        const c = rw.clone(reader);
        c.inputs = c.inputs.map((i) => (i === tensor ? dequantized : i));
      }
      rw.insertAfter(null, rw.q(tensor, scale, zp, quantized, tensor), rw.dq(quantized, scale, zp, dequantized, tensor));
      continue;
    }
    // Keep the tensor's name on the DequantizeLinear, so readers and graph outputs need no rewiring.
    let source: string;
    if (plan.fusedActivations.has(producer)) {
      source = producer.inputs[0]!; // the saturation does the Relu/Clip's work
      rw.dropped.add(producer);
    } else {
      source = index.fresh(`${tensor}/float`);
      const c = rw.clone(producer);
      c.outputs = c.outputs.map((o) => (o === tensor ? source : o));
    }
    rw.insertAfter(producer, rw.q(source, scale, zp, quantized, tensor), rw.dq(quantized, scale, zp, tensor, tensor));
  }

  for (const [node, role] of plan.layers) {
    const clone = rw.clone(node);
    switch (role) {
      case 'conv': {
        const scales = rw.weight(node, 1, 0);
        rw.bias(node, 2, scaleOf(node.inputs[0]!), scales, plan.biasCorrections?.get(node.name));
        break;
      }
      case 'matmul':
        if (index.initializer(node.inputs[1]) !== undefined) rw.weight(node, 1, 1);
        break;
      case 'gemm': {
        const transB = intAttr(node, 'transB', 0) === 1;
        const scales = rw.weight(node, 1, transB ? 0 : 1);
        rw.bias(node, 2, scaleOf(node.inputs[0]!), scales);
        break;
      }
      case 'binary':
      case 'variadic':
        node.inputs.forEach((name, i) => {
          if (index.initializer(name) !== undefined) rw.constantOperand(node, i);
        });
        break;
      case 'hard-sigmoid': {
        // HardSigmoid(x) = clip(a*x + b, 0, 1) = a * clip(x + b/a, 0, 1/a): Add(x, b/a), then a
        // QuantizeLinear of scale (1/a)/255 saturating at 0 and 1/a, read back by a
        // DequantizeLinear of scale 1/255. Both halves fuse (QLinearAdd, and the consumer).
        const alpha = floatAttr(node, 'alpha', 0.2);
        const beta = floatAttr(node, 'beta', 0.5);
        const x = clone.inputs[0]!;
        const y = clone.outputs[0]!;
        const hint = node.name || y;
        const shift = beta / alpha;
        const p = uint8Params({ lo: Math.min(0, shift), hi: Math.max(0, shift) });
        const cq = rw.constant(`${hint}/shift/uint8`, 'uint8', [], [Math.min(255, Math.max(0, Math.round(shift / p.scale) + p.zeroPoint))]);
        const [cs, cz] = rw.qparams(`${hint}/shift`, p);
        const c = index.fresh(`${hint}/shift`);
        const sum = index.fresh(`${hint}/sum`);
        const sumQ = index.fresh(`${hint}/sum/quantized`);
        const [s1, z1] = rw.qparams(`${hint}/saturate`, { scale: 1 / alpha / 255, zeroPoint: 0 });
        const [s2, z2] = rw.qparams(`${hint}/unit`, { scale: 1 / 255, zeroPoint: 0 });
        rw.insertAfter(
          node,
          rw.dq(cq, cs, cz, c, `${hint}/shift`),
          makeNode('Add', [x, c], [sum], {}, index.fresh(`${hint}/Add`)),
          rw.q(sum, s1, z1, sumQ, hint),
          rw.dq(sumQ, s2, z2, y, hint),
        );
        rw.dropped.add(node);
        break;
      }
      default:
        break;
    }
  }

  const nodes: OnnxNode[] = [...(rw.after.get(null) ?? [])];
  for (const node of graph.nodes) {
    if (!rw.dropped.has(node)) nodes.push(rw.clone(node));
    nodes.push(...(rw.after.get(node) ?? []));
  }
  const out: OnnxGraph = { ...graph, nodes, initializers: [...graph.initializers, ...rw.inits] };
  dropUnused(out);
  topologicalSort(out);
  return { ...model, graph: out, opsetImports: model.opsetImports.map((o) => ({ ...o })), metadata: model.metadata.slice() };
}

/** Drops initializers no node reads any more (the float weights that were quantized). */
export function dropUnused(graph: OnnxGraph): void {
  const read = new Set<string>(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) for (const i of n.inputs) read.add(i);
  const inputs = new Set(graph.inputs.map((i) => i.name));
  graph.initializers = graph.initializers.filter((t) => read.has(t.name) || inputs.has(t.name));
}
