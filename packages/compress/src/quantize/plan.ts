/**
 * Decides what a QDQ graph quantizes: which layers run in int8 and which tensors get a
 * QuantizeLinear/DequantizeLinear pair with which parameters. A tensor is quantized when a
 * quantized layer reads or writes it, so layers left in float (the accuracy budget's
 * choice) are surrounded by float tensors unless a quantized neighbour needs the tensor.
 */
import type { OnnxGraph, OnnxNode } from '@modelkit/core';
import { GraphIndex, floatAttr, stringAttr } from '../graph/graph-index';
import { dataInputs, isComputeRole, quantRole, type QuantRole } from './op-rules';
import { uint8Params, type QParams } from './qparams';
import type { TensorInfoMap } from './tensor-info';

/** How a quantized tensor comes about in the rewritten graph. */
export interface TensorQuant {
  params: QParams;
  /**
   * `qdq`: a QuantizeLinear/DequantizeLinear pair after the tensor's producer;
   * `hard-sigmoid`: written by a rewritten HardSigmoid's DequantizeLinear (nothing to add).
   */
  source: 'qdq' | 'hard-sigmoid';
}

/** What to quantize. */
export interface QuantPlan {
  /** Layers that run quantized, with their role. */
  layers: Map<OnnxNode, QuantRole>;
  /** Relu/Clip nodes whose work the producer's saturating quantization does. */
  fusedActivations: Set<OnnxNode>;
  /** Data-movement ops running on uint8 between shared parameters. */
  sharedOps: Set<OnnxNode>;
  /** Quantized activation tensors. */
  tensors: Map<string, TensorQuant>;
  /** Per-output-channel amounts added to quantized convolutions' biases (bias correction), by node name. */
  biasCorrections?: ReadonlyMap<string, Float32Array>;
}

/** Options of {@link planQuantization}. */
export interface PlanOptions {
  /**
   * Node names to keep in float. A layer kept float also keeps its input and output tensors
   * float, so the layers next to it that would need those tensors quantized stay float too
   * (otherwise keeping, say, a hard-swish Mul float would change nothing: its neighbours
   * would still quantize both its inputs and its output).
   */
  exclude?: ReadonlySet<string>;
  /** Only these node names may be quantized (default: every quantizable node). */
  include?: ReadonlySet<string>;
}

function isFloat(info: TensorInfoMap, index: GraphIndex, name: string | undefined): boolean {
  if (name === undefined || name === '') return false;
  const init = index.initializer(name);
  if (init !== undefined) return init.dataType === 'float32';
  return info.get(name)?.dataType === 'float32';
}

function hasRange(info: TensorInfoMap, name: string): boolean {
  return info.get(name)?.range !== undefined;
}

/** True when `node` can be quantized in its role with what calibration saw. */
function quantizable(node: OnnxNode, role: QuantRole, info: TensorInfoMap, index: GraphIndex): boolean {
  const out = node.outputs[0];
  if (out === undefined || !isFloat(info, index, out) || !hasRange(info, out)) return false;
  const activation = (name: string | undefined): boolean => name !== undefined && isFloat(info, index, name) && index.initializer(name) === undefined && hasRange(info, name);
  const constant = (name: string | undefined): boolean => index.initializer(name)?.dataType === 'float32';
  switch (role) {
    case 'conv': {
      const w = index.initializer(node.inputs[1]);
      if (!activation(node.inputs[0]) || w === undefined || w.dataType !== 'float32' || w.dims.length < 3) return false;
      const b = node.inputs[2];
      return b === undefined || b === '' || (constant(b) && index.initializer(b)!.data.length === w.dims[0]);
    }
    case 'matmul': {
      if (!activation(node.inputs[0])) return false;
      const w = index.initializer(node.inputs[1]);
      return w !== undefined ? w.dataType === 'float32' && w.dims.length === 2 : activation(node.inputs[1]);
    }
    case 'gemm': {
      const w = index.initializer(node.inputs[1]);
      const c = node.inputs[2];
      if (!activation(node.inputs[0]) || w === undefined || w.dataType !== 'float32' || w.dims.length !== 2) return false;
      if (floatAttr(node, 'alpha', 1) !== 1 || floatAttr(node, 'beta', 1) !== 1 || Number(node.attributes.transA ?? 0) !== 0) return false;
      return c === undefined || c === '' || constant(c);
    }
    case 'binary': {
      const [a, b] = node.inputs;
      if (node.inputs.length !== 2) return false;
      const ok = (n: string | undefined): boolean => activation(n) || constant(n);
      return ok(a) && ok(b) && !(constant(a) && constant(b));
    }
    case 'variadic':
      return node.inputs.length > 0 && node.inputs.every((n) => activation(n) || constant(n)) && node.inputs.some((n) => activation(n));
    case 'unary':
      return activation(node.inputs[0]);
    case 'hard-sigmoid':
      return activation(node.inputs[0]) && floatAttr(node, 'alpha', 0.2) > 0;
    default:
      return false;
  }
}

/** The constant bounds of a Relu or Clip, or undefined when they are not constants. */
function activationBounds(node: OnnxNode, index: GraphIndex): { min: number; max: number } | undefined {
  if (node.opType === 'Relu') return { min: 0, max: Infinity };
  if (node.opType !== 'Clip') return undefined;
  const bound = (i: number, attr: string, fallback: number): number | undefined => {
    const name = node.inputs[i];
    if (name !== undefined && name !== '') {
      const t = index.initializer(name);
      return t !== undefined && t.data.length === 1 ? Number((t.data as ArrayLike<number>)[0]) : undefined;
    }
    const v = node.attributes[attr];
    return typeof v === 'number' ? v : fallback;
  };
  const min = bound(1, 'min', -Infinity);
  const max = bound(2, 'max', Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}

/**
 * True when a QuantizeLinear with `params` saturates inside the activation's bounds, so
 * dropping the Relu/Clip in front of it changes nothing (onnxruntime's ReluQuantFusion and
 * ClipQuantFusion make the same check).
 */
function saturationCovers(node: OnnxNode, index: GraphIndex, params: QParams): boolean {
  const bounds = activationBounds(node, index);
  if (bounds === undefined) return false;
  const low = -params.zeroPoint * params.scale;
  const high = (255 - params.zeroPoint) * params.scale;
  const eps = params.scale * 1e-3;
  return low >= bounds.min - eps && high <= bounds.max + eps;
}

/** Shared ops onnxruntime runs on uint8 only in some forms. */
function shareable(node: OnnxNode): boolean {
  // Resize with `axes` (opset 18) breaks onnxruntime's NHWC rewrite; prepareForQdq makes it full rank first.
  if (node.opType === 'Resize') return node.attributes.axes === undefined && stringAttr(node, 'mode', 'nearest') !== 'cubic';
  return true;
}

/**
 * Plans a QDQ rewrite of `graph` from calibration's `info`. Nodes need names (see
 * `nameNodes`): exclusions refer to them.
 */
export function planQuantization(graph: OnnxGraph, info: TensorInfoMap, options: PlanOptions = {}): QuantPlan {
  const index = new GraphIndex(graph);
  const layers = new Map<OnnxNode, QuantRole>();
  for (const node of graph.nodes) {
    const role = quantRole(node);
    if (!isComputeRole(role)) continue;
    if (options.exclude?.has(node.name) || (options.include !== undefined && !options.include.has(node.name))) continue;
    if (quantizable(node, role!, info, index)) layers.set(node, role!);
  }
  isolateExcluded(graph, index, layers, options.exclude);
  const tensors = new Map<string, TensorQuant>();
  const need = (name: string): void => {
    if (tensors.has(name)) return;
    const range = info.get(name)?.range;
    if (range !== undefined) tensors.set(name, { params: uint8Params(range), source: 'qdq' });
  };
  const fusedActivations = new Set<OnnxNode>();
  for (const [node, role] of layers) {
    for (const i of dataInputs(node, role)) {
      // Constants (weights, Add/Mul operands) are stored quantized by the rewrite instead.
      const name = node.inputs[i];
      if (name !== undefined && name !== '' && index.initializer(name) === undefined) need(name);
    }
    const out = node.outputs[0]!;
    if (role === 'hard-sigmoid') {
      // Its DequantizeLinear writes the output on a [0, 1] grid of 255 steps.
      tensors.set(out, { params: { scale: 1 / 255, zeroPoint: 0 }, source: 'hard-sigmoid' });
      continue;
    }
    const next = index.soleConsumer(out);
    const nextRange = next === undefined ? undefined : info.get(next.outputs[0]!)?.range;
    if (next !== undefined && nextRange !== undefined && quantRole(next) === 'activation' && !options.exclude?.has(next.name) && saturationCovers(next, index, uint8Params(nextRange))) {
      fusedActivations.add(next);
      need(next.outputs[0]!);
    } else {
      need(out);
    }
  }
  const sharedOps = propagateShared(graph, index, info, layers, tensors);
  return { layers, fusedActivations, sharedOps, tensors };
}

/**
 * Lets data-movement ops run on uint8: when a shared op's input is quantized and something
 * downstream is a quantized layer, its outputs take the input's parameters. Walks in
 * graph order so chains (Resize → Reshape → Transpose) inherit from the first.
 */
function propagateShared(graph: OnnxGraph, index: GraphIndex, info: TensorInfoMap, layers: ReadonlyMap<OnnxNode, QuantRole>, tensors: Map<string, TensorQuant>): Set<OnnxNode> {
  const wants = new Map<OnnxNode, boolean>();
  const leadsToLayer = (node: OnnxNode, depth = 0): boolean => {
    const known = wants.get(node);
    if (known !== undefined) return known;
    if (depth > 64) return false;
    wants.set(node, false);
    let result = false;
    for (const out of node.outputs) {
      for (const reader of index.readers(out)) {
        const role = layers.get(reader);
        if (role !== undefined && dataInputs(reader, role).some((i) => reader.inputs[i] === out)) result = true;
        else if (quantRole(reader) === 'shared' && reader.inputs[0] === out && leadsToLayer(reader, depth + 1)) result = true;
      }
    }
    wants.set(node, result);
    return result;
  };
  const shared = new Set<OnnxNode>();
  for (const node of graph.nodes) {
    if (quantRole(node) !== 'shared' || !shareable(node)) continue;
    const input = tensors.get(node.inputs[0] ?? '');
    if (input === undefined) continue;
    const outs = node.outputs.filter((o) => o !== '');
    if (!outs.every((o) => isFloat(info, index, o)) || !leadsToLayer(node)) continue;
    for (const o of outs) tensors.set(o, { params: input.params, source: 'qdq' });
    shared.add(node);
  }
  return shared;
}

/** The tensors a layer reads as data and writes (through a Relu/Clip right after it, too). */
function layerTensors(node: OnnxNode, role: QuantRole, index: GraphIndex): string[] {
  const out = dataInputs(node, role).map((i) => node.inputs[i]).filter((n): n is string => n !== undefined && n !== '' && index.initializer(n) === undefined);
  const y = node.outputs[0];
  if (y !== undefined) {
    out.push(y);
    const next = index.soleConsumer(y);
    if (next !== undefined && quantRole(next) === 'activation') out.push(next.outputs[0]!);
  }
  return out;
}

/** Drops from `layers` every layer that touches a tensor of an excluded layer (see {@link PlanOptions.exclude}). */
function isolateExcluded(graph: OnnxGraph, index: GraphIndex, layers: Map<OnnxNode, QuantRole>, exclude: ReadonlySet<string> | undefined): void {
  if (exclude === undefined || exclude.size === 0) return;
  const floatTensors = new Set<string>();
  for (const node of graph.nodes) {
    const role = quantRole(node);
    if (exclude.has(node.name) && isComputeRole(role)) for (const t of layerTensors(node, role!, index)) floatTensors.add(t);
  }
  for (const [node, role] of [...layers]) if (layerTensors(node, role, index).some((t) => floatTensors.has(t))) layers.delete(node);
}
