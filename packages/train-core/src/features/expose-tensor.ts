/**
 * Turns an intermediate tensor of an ONNX model into the model's only output, dropping
 * every node the tensor does not depend on: a detector's backbone becomes a feature
 * extractor without its heads.
 */
import { ErrorCodes, ModelError, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from '@modelkit/core';

/** How {@link exposeTensor} rewrites the graph. */
export interface ExposeTensorOptions {
  /**
   * Drop nodes, initializers and inputs the tensor does not depend on (default true).
   * Pruning skips the heads' compute and removes their fixed-shape Reshapes, which is what
   * lets a batch-1 detector run batched and at another input size.
   */
  prune?: boolean;
  /**
   * New shape of each kept graph input, by name (e.g. `{ input_1: ['N', 3, 128, 128] }`).
   * Declared shapes of intermediate values are dropped when any input shape changes, so
   * onnxruntime re-infers them instead of rejecting stale ones.
   */
  inputShapes?: Record<string, (number | string | null)[]>;
}

/** Names of every tensor produced by a node, an initializer or a graph input. */
export function listTensorNames(graph: OnnxGraph): string[] {
  const names = new Set<string>();
  for (const input of graph.inputs) names.add(input.name);
  for (const init of graph.initializers) names.add(init.name);
  for (const node of graph.nodes) for (const out of node.outputs) if (out !== '') names.add(out);
  return [...names];
}

/** Tensor names a node reads, including those its subgraphs (If/Loop bodies) capture from outside. */
function nodeReads(node: OnnxNode): string[] {
  const reads = node.inputs.filter((n) => n !== '');
  for (const value of Object.values(node.attributes)) {
    const graphs = Array.isArray(value) ? value : [value];
    for (const g of graphs) {
      if (typeof g === 'object' && g !== null && 'nodes' in g && 'initializers' in g) {
        const inner = g as OnnxGraph;
        const local = new Set(listTensorNames(inner));
        for (const n of inner.nodes) for (const r of nodeReads(n)) if (!local.has(r)) reads.push(r);
      }
    }
  }
  return reads;
}

/**
 * A copy of `model` whose only output is `tensor` (the input model is not modified; weights
 * are shared, not copied). The output's value info is taken from the model's declared
 * value info or outputs when present, else float32 of unknown shape (onnxruntime infers it).
 *
 * @throws ModelError `E_MODEL_INVALID` when no node, input or initializer produces `tensor`
 *   (the message lists a few names that do exist).
 */
export function exposeTensor(model: OnnxModel, tensor: string, options: ExposeTensorOptions = {}): OnnxModel {
  const src = model.graph;
  const producers = new Map<string, OnnxNode>();
  for (const node of src.nodes) for (const out of node.outputs) if (out !== '') producers.set(out, node);
  const isInput = src.inputs.some((i) => i.name === tensor);
  if (!producers.has(tensor) && !isInput) {
    const sample = src.nodes.slice(-5).flatMap((n) => n.outputs).slice(0, 5);
    throw new ModelError(ErrorCodes.MODEL_INVALID, `no node of the model produces tensor "${tensor}"; list names with listTensorNames(model.graph) (e.g. ${sample.join(', ')})`, { details: { tensor } });
  }

  let nodes = src.nodes;
  let initializers = src.initializers;
  let inputs = src.inputs;
  if (options.prune ?? true) {
    // Walk back from the tensor; nodes stay in their stored (topological) order.
    const needed = new Set<string>([tensor]);
    const keep = new Set<OnnxNode>();
    for (let i = src.nodes.length - 1; i >= 0; i--) {
      const node = src.nodes[i]!;
      if (!node.outputs.some((o) => needed.has(o))) continue;
      keep.add(node);
      for (const r of nodeReads(node)) needed.add(r);
    }
    nodes = src.nodes.filter((n) => keep.has(n));
    initializers = src.initializers.filter((t) => needed.has(t.name));
    inputs = src.inputs.filter((i) => needed.has(i.name));
  }

  const shapes = options.inputShapes ?? {};
  for (const name of Object.keys(shapes)) {
    if (!inputs.some((i) => i.name === name)) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `inputShapes names "${name}", which is not an input the tensor "${tensor}" depends on (inputs: ${inputs.map((i) => i.name).join(', ')})`, { details: { input: name } });
    }
  }
  const reshaped = Object.keys(shapes).length > 0;
  inputs = inputs.map((i) => (shapes[i.name] ? { ...i, shape: [...shapes[i.name]!] } : i));

  const declared = [...src.valueInfo, ...src.outputs, ...src.inputs].find((v) => v.name === tensor);
  const output: OnnxValueInfo = {
    name: tensor,
    dataType: declared?.dataType ?? 'float32',
    // A declared shape is stale once an input shape changes.
    shape: reshaped ? null : (declared?.shape ?? null),
  };
  const valueInfo = reshaped ? [] : src.valueInfo.filter((v) => v.name !== tensor);
  return { ...model, graph: { ...src, nodes, initializers, inputs, outputs: [output], valueInfo } };
}
