/**
 * Raises a model's default-domain opset (per-axis QuantizeLinear/DequantizeLinear, which
 * per-channel int8 weights need, exist from opset 13; PP-OCR exports are opset 9 and 11).
 * Every operator whose signature or meaning changed on the way is converted; an operator
 * with a change this converter does not know stops it with a typed error instead of a
 * model that silently computes something else.
 */
import { ErrorCodes, ModelError, makeNode, makeTensor } from '@modelkit/core';
import type { OnnxGraph, OnnxModel, OnnxNode } from '@modelkit/core';
import { GraphIndex, defaultOpset, intAttr, intsAttr } from './graph-index';

/** Ranks of tensors, where known (from calibration); Softmax below opset 13 needs them. */
export type RankOf = (tensor: string) => number | undefined;

type Converter = (node: OnnxNode, from: number, ctx: Context) => OnnxNode[] | undefined;

interface Context {
  index: GraphIndex;
  graph: OnnxGraph;
  rankOf: RankOf;
  int64(hint: string, values: number[]): string;
  float(hint: string, value: number): string;
}

function take(node: OnnxNode, ...names: string[]): void {
  for (const n of names) {
    delete node.attributes[n];
    if (node.attributeTypes) delete node.attributeTypes[n];
  }
}

/** Moves int-list attributes to int64 inputs (Slice-10, Squeeze/Unsqueeze-13, Split-13, ReduceSum-13). */
function attrsToInputs(node: OnnxNode, ctx: Context, attrs: string[], firstInput: number): void {
  const inputs = node.inputs.slice(0, firstInput);
  let last = firstInput - 1;
  attrs.forEach((a, k) => {
    const v = node.attributes[a];
    if (Array.isArray(v)) {
      inputs[firstInput + k] = ctx.int64(`${node.name}/${a}`, (v as (number | bigint)[]).map(Number));
      last = firstInput + k;
    } else {
      inputs[firstInput + k] = '';
    }
  });
  node.inputs = inputs.slice(0, last + 1);
  take(node, ...attrs);
}

const CONVERTERS: Record<string, { since: number; convert: Converter }> = {
  Slice: {
    since: 10,
    convert(node, _from, ctx) {
      attrsToInputs(node, ctx, ['starts', 'ends', 'axes'], 1);
      return [node];
    },
  },
  Pad: {
    since: 11,
    convert(node, _from, ctx) {
      const pads = intsAttr(node, 'pads', []);
      const value = typeof node.attributes.value === 'number' ? node.attributes.value : 0;
      node.inputs = [node.inputs[0]!, ctx.int64(`${node.name}/pads`, pads), ctx.float(`${node.name}/value`, value)];
      take(node, 'pads', 'value');
      return [node];
    },
  },
  Clip: {
    since: 11,
    convert(node, _from, ctx) {
      const min = node.attributes.min;
      const max = node.attributes.max;
      node.inputs = [node.inputs[0]!, typeof min === 'number' ? ctx.float(`${node.name}/min`, min) : '', typeof max === 'number' ? ctx.float(`${node.name}/max`, max) : ''];
      while (node.inputs.length > 1 && node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
      take(node, 'min', 'max');
      return [node];
    },
  },
  Squeeze: { since: 13, convert: (node, _f, ctx) => (attrsToInputs(node, ctx, ['axes'], 1), [node]) },
  Unsqueeze: { since: 13, convert: (node, _f, ctx) => (attrsToInputs(node, ctx, ['axes'], 1), [node]) },
  Split: { since: 13, convert: (node, _f, ctx) => (attrsToInputs(node, ctx, ['split'], 1), [node]) },
  ReduceSum: { since: 13, convert: (node, _f, ctx) => (attrsToInputs(node, ctx, ['axes'], 1), [node]) },
  Softmax: { since: 13, convert: (node, _f, ctx) => softmaxLike(node, ctx) },
  LogSoftmax: { since: 13, convert: (node, _f, ctx) => softmaxLike(node, ctx) },
  Hardmax: { since: 13, convert: (node, _f, ctx) => softmaxLike(node, ctx) },
  Dropout: {
    since: 12,
    // Inference only: Dropout is the identity (its optional mask output is not supported).
    convert(node) {
      if (node.outputs.length > 1 && node.outputs[1] !== '') return undefined;
      return [makeNode('Identity', [node.inputs[0]!], [node.outputs[0]!], {}, node.name)];
    },
  },
};

/** Operators that changed before opset 13 in ways a rewrite cannot express here. */
const UNSUPPORTED = new Set(['Upsample', 'Resize', 'TopK', 'Scatter', 'BatchNormalization', 'MaxUnpool']);
const UNSUPPORTED_BELOW: Record<string, number> = { Upsample: 99, Resize: 11, TopK: 10, Scatter: 99, BatchNormalization: 9, MaxUnpool: 11 };

/**
 * Softmax below 13 flattens the input to 2-D at `axis` and normalises the second part; 13
 * normalises along `axis` only. Same thing when `axis` is the last axis; otherwise
 * Flatten -> Softmax(-1) -> Reshape(Shape(x)) keeps the old meaning.
 */
function softmaxLike(node: OnnxNode, ctx: Context): OnnxNode[] {
  const axis = intAttr(node, 'axis', 1);
  const rank = ctx.rankOf(node.inputs[0]!);
  if (axis === -1 || (rank !== undefined && (axis === rank - 1 || axis === -1))) return [node];
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const flat = ctx.index.fresh(`${y}/flat`);
  const soft = ctx.index.fresh(`${y}/softmax`);
  const shape = ctx.index.fresh(`${y}/shape`);
  return [
    makeNode('Flatten', [x], [flat], { axis }, ctx.index.fresh(`${node.name}/Flatten`)),
    makeNode(node.opType, [flat], [soft], { axis: -1 }, node.name),
    makeNode('Shape', [x], [shape], {}, ctx.index.fresh(`${node.name}/Shape`)),
    makeNode('Reshape', [soft, shape], [y], {}, ctx.index.fresh(`${node.name}/Reshape`)),
  ];
}

/**
 * Converts `model` in place to default-domain opset `target` (no-op when it is already at
 * least that). Returns the opset it had.
 * @throws ModelError `E_UNSUPPORTED_OP` naming an operator whose change is not handled.
 */
export function upgradeOpset(model: OnnxModel, target: number, rankOf: RankOf = () => undefined): number {
  const from = defaultOpset(model.opsetImports);
  if (from >= target) return from;
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const ctx: Context = {
    index,
    graph,
    rankOf,
    int64(hint, values) {
      const name = index.fresh(hint);
      graph.initializers.push(makeTensor(name, 'int64', [values.length], values));
      return name;
    },
    float(hint, value) {
      const name = index.fresh(hint);
      graph.initializers.push(makeTensor(name, 'float32', [], [value]));
      return name;
    },
  };
  const nodes: OnnxNode[] = [];
  for (const node of graph.nodes) {
    const isDefault = node.domain === '' || node.domain === 'ai.onnx';
    if (isDefault && UNSUPPORTED.has(node.opType) && from < UNSUPPORTED_BELOW[node.opType]!) {
      throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `cannot raise the model's opset from ${from} to ${target}: ${node.opType} (node "${node.name}") changed in between and is not converted`, {
        details: { op: node.opType, node: node.name, from, target },
      });
    }
    const c = isDefault ? CONVERTERS[node.opType] : undefined;
    if (c !== undefined && from < c.since && c.since <= target) {
      const out = c.convert(node, from, ctx);
      if (out === undefined) {
        throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `cannot raise the model's opset to ${target}: ${node.opType} (node "${node.name}") in this form is not converted`, {
          details: { op: node.opType, node: node.name, from, target },
        });
      }
      nodes.push(...out);
    } else {
      nodes.push(node);
    }
  }
  graph.nodes = nodes;
  const entry = model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (entry) entry.version = target;
  else model.opsetImports.push({ domain: '', version: target });
  // IR 7 is the first to know opset 13.
  if (model.irVersion < 7) model.irVersion = 7;
  return from;
}
