/**
 * tfjs graph model (model.json + weight shards) → ONNX model on modelkit's IR. Needs no
 * tfjs runtime: the graph is read as data, constant sub-graphs are folded, and each op is
 * mapped by the table in `op-table.ts`. The result keeps TF's tensor layouts at its inputs
 * and outputs (NHWC stays NHWC) while running convolutions in ONNX's NCHW internally.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ErrorCodes, ModelError } from '../errors';
import type { OnnxModel, OnnxValueInfo } from '../onnx/types';
import type { ConstTensor } from './const-tensor';
import { tryFold } from './const-fold';
import { GraphBuilder, onnxTypeOf } from './graph-builder';
import type { OpContext } from './op-context';
import { OP_MAPPERS } from './op-table';
import { attrDtype, attrShape } from './tfjs-attrs';
import type { TfjsModelJson, TfjsNode } from './tfjs-model-json';
import { readTfjsWeights } from './tfjs-weights';
import { constValue, type TfValue } from './tf-value';

/** ONNX opset the converter emits (Resize with `axes`, reductions with axes inputs). */
export const CONVERTER_OPSET = 18;

/** Options of {@link convertTfjsGraphModel}. */
export interface ConvertOptions {
  /**
   * Static shapes for graph inputs, by placeholder name (`input_1` or `input_1:0`), e.g.
   * `{ input_1: [1, 416, 416, 3] }`. Replaces the model's declared shape, typically to
   * fix -1 dims.
   */
  inputShapes?: Record<string, number[]>;
  /** Name of the ONNX graph; default: the model file's base name. */
  graphName?: string;
}

/** A tfjs graph model read from disk. */
export interface TfjsGraphModel {
  json: TfjsModelJson;
  weights: Map<string, ConstTensor>;
}

/** Reads `model.json` and its weight shards (float16 and uint8/uint16-quantized weights come back as float32). */
export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfjsGraphModel> {
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `tfjs model ${modelJsonPath} cannot be read`, { cause: err, details: { path: modelJsonPath } });
  }
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (err) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `${modelJsonPath} is not JSON`, { cause: err, details: { path: modelJsonPath } });
  }
  if (!json || typeof json !== 'object' || !Array.isArray(json.modelTopology?.node) || !Array.isArray(json.weightsManifest)) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `${modelJsonPath} is not a tfjs graph model (needs modelTopology.node and weightsManifest)`, {
      details: { path: modelJsonPath, format: (json as { format?: unknown } | null)?.format },
    });
  }
  const weights = await readTfjsWeights(json.weightsManifest, dirname(modelJsonPath));
  return { json, weights };
}

/** Converts a tfjs graph model file to an ONNX model. */
export async function convertTfjsGraphModel(modelJsonPath: string, options: ConvertOptions = {}): Promise<OnnxModel> {
  const model = await readTfjsGraphModel(modelJsonPath);
  return convertTfjsGraph(model, { graphName: basename(modelJsonPath).replace(/\.json$/, ''), ...options });
}

interface TensorRef {
  node: string;
  index: number;
}

function parseRef(ref: string): TensorRef {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1], index: Number(m[2]) } : { node: ref, index: 0 };
}

function tensorName(ref: TensorRef): string {
  return ref.index === 0 ? ref.node : `${ref.node}:${ref.index}`;
}

/** Nodes the outputs depend on, inputs before users (iterative DFS: graphs can be deep). */
function topoOrder(nodes: Map<string, TfjsNode>, outputs: TensorRef[]): TfjsNode[] {
  const order: TfjsNode[] = [];
  const state = new Map<string, 1 | 2>();
  for (const out of outputs) {
    const stack: [string, number][] = [[out.node, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const node = nodes.get(top[0]);
      if (!node) throw new ModelError(ErrorCodes.MODEL_INVALID, `the graph refers to node "${top[0]}", which it does not contain`, { details: { node: top[0] } });
      if (top[1] === 0) {
        if (state.get(node.name) === 2) {
          stack.pop();
          continue;
        }
        state.set(node.name, 1);
      }
      const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
      if (top[1] < inputs.length) {
        const next = parseRef(inputs[top[1]++]).node;
        const s = state.get(next);
        if (s === 1) throw new ModelError(ErrorCodes.MODEL_INVALID, `the graph has a cycle through "${next}"`, { details: { node: next } });
        if (s !== 2) stack.push([next, 0]);
        continue;
      }
      state.set(node.name, 2);
      order.push(node);
      stack.pop();
    }
  }
  return order;
}

function graphOutputs(json: TfjsModelJson, nodes: TfjsNode[]): TensorRef[] {
  const sig = json.signature?.outputs;
  if (sig && Object.keys(sig).length > 0) return Object.entries(sig).map(([key, t]) => parseRef(t.name ?? key));
  const used = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => parseRef(i.replace(/^\^/, '')).node)));
  return nodes.filter((n) => !used.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => ({ node: n.name, index: 0 }));
}

function valueInfo(name: string, v: TfValue): OnnxValueInfo {
  return { name, dataType: onnxTypeOf(v.dtype), shape: [...v.shape] };
}

/** Converts an in-memory tfjs graph model (see {@link readTfjsGraphModel}) to ONNX. */
export function convertTfjsGraph(model: TfjsGraphModel, options: ConvertOptions = {}): OnnxModel {
  const { json, weights } = model;
  const nodeList = json.modelTopology.node ?? [];
  const nodes = new Map(nodeList.map((n) => [n.name, n]));
  const outputRefs = graphOutputs(json, nodeList);
  if (outputRefs.length === 0) throw new ModelError(ErrorCodes.MODEL_INVALID, 'the tfjs graph has no outputs');
  const b = new GraphBuilder();
  for (const n of nodeList) b.reserve(n.name);
  const values = new Map<string, TfValue[]>();
  const inputs: OnnxValueInfo[] = [];

  const resolve = (ref: string, user: TfjsNode): TfValue => {
    const r = parseRef(ref);
    const v = values.get(r.node)?.[r.index];
    if (!v) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `node "${user.name}" reads "${ref}", which its producer does not output`, {
        details: { node: user.name, input: ref },
      });
    }
    return v;
  };

  for (const node of topoOrder(nodes, outputRefs)) {
    if (node.op === 'Const') {
      const c = weights.get(node.name);
      if (!c) throw new ModelError(ErrorCodes.MODEL_FORMAT, `constant "${node.name}" has no entry in the weights manifest`, { details: { node: node.name } });
      values.set(node.name, [constValue(c)]);
      continue;
    }
    if (node.op === 'Placeholder' || node.op === 'PlaceholderWithDefault') {
      const override = options.inputShapes?.[node.name] ?? options.inputShapes?.[`${node.name}:0`];
      const shape = override ? [...override] : attrShape(node, 'shape');
      if (!shape) throw new ModelError(ErrorCodes.MODEL_INVALID, `input "${node.name}" has unknown rank; pass inputShapes`, { details: { node: node.name } });
      const v: TfValue = { name: node.name, dtype: attrDtype(node, 'dtype', 'float32'), shape, nchw: false };
      inputs.push(valueInfo(node.name, v));
      values.set(node.name, [v]);
      continue;
    }
    const ins = (node.input ?? []).filter((i) => !i.startsWith('^')).map((i) => resolve(i, node));
    if (ins.length > 0 && ins.every((v) => v.constant)) {
      const folded = tryFold(node, ins.map((v) => v.constant as ConstTensor));
      if (folded) {
        values.set(node.name, folded.map(constValue));
        continue;
      }
    }
    const mapper = OP_MAPPERS[node.op];
    if (!mapper) {
      throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `cannot convert node "${node.name}": op ${node.op} has no ONNX mapping`, {
        details: { node: node.name, op: node.op },
      });
    }
    const outNames = new Map<number, string>();
    const ctx: OpContext = {
      b,
      node,
      inputs: ins,
      out: (i = 0) => {
        let name = outNames.get(i);
        if (!name) {
          name = i === 0 ? node.name : b.uniqueName(tensorName({ node: node.name, index: i }));
          outNames.set(i, name);
        }
        return name;
      },
    };
    values.set(node.name, mapper(ctx));
  }

  const outputs: OnnxValueInfo[] = [];
  for (const ref of outputRefs) {
    const v = values.get(ref.node)?.[ref.index];
    if (!v) throw new ModelError(ErrorCodes.MODEL_INVALID, `graph output "${tensorName(ref)}" is not produced`, { details: { output: tensorName(ref) } });
    const name = tensorName(ref);
    // Outputs always leave in TF's layout under their TF name.
    if (v.nchw) {
      let src = v.name;
      if (src === name) {
        // The op that made the NCHW tensor took the output's name: give it another one.
        src = b.uniqueName(`${name}/nchw`);
        for (const n of b.nodes) {
          n.inputs = n.inputs.map((t) => (t === name ? src : t));
          n.outputs = n.outputs.map((t) => (t === name ? src : t));
        }
      }
      b.addNode('Transpose', [src], [name], { perm: [0, 2, 3, 1] });
    }
    else if (v.constant || v.name !== name) b.addNode('Identity', [b.input(v, `${name}/value`)], [name]);
    outputs.push(valueInfo(name, { ...v, nchw: false }));
  }

  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: CONVERTER_OPSET }],
    producerName: 'modelkit-convert-tfjs',
    producerVersion: '1',
    domain: '',
    modelVersion: 0,
    docString: `Converted from a tfjs graph model${json.generatedBy ? ` generated by ${json.generatedBy}` : ''}${json.convertedBy ? `, converted by ${json.convertedBy}` : ''}.`,
    metadata: [{ key: 'source_format', value: 'tfjs-graph-model' }],
    graph: { name: options.graphName ?? 'tfjs_graph', inputs, outputs, nodes: b.nodes, initializers: b.initializers, valueInfo: [] },
  };
}
