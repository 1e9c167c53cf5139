/**
 * In-place edits of a graph. They keep the graph's own invariants (topological order,
 * unique names) only as far as documented: call `assertValidGraph` after a batch of edits.
 */
import { ErrorCodes, InvalidArgumentError, ModelError } from '../errors';
import type { OnnxDataType } from './data-types';
import { makeTensor } from './builders';
import type { OnnxAttributeValue, OnnxGraph, OnnxNode, OnnxTensor } from './types';

function nodeIndex(graph: OnnxGraph, node: OnnxNode | string): number {
  const index = typeof node === 'string' ? graph.nodes.findIndex((n) => n.name === node) : graph.nodes.indexOf(node);
  if (index < 0) {
    const label = typeof node === 'string' ? node : `${node.name} (${node.opType})`;
    throw new InvalidArgumentError(`node "${label}" is not in graph "${graph.name}"`, { details: { node: label } });
  }
  return index;
}

/** Inserts `node` at `index` (default: the end). */
export function addNode(graph: OnnxGraph, node: OnnxNode, index = graph.nodes.length): void {
  graph.nodes.splice(index, 0, node);
}

/** Removes a node (by object or name) and returns it; its outputs are left dangling for you to rewire. */
export function removeNode(graph: OnnxGraph, node: OnnxNode | string): OnnxNode {
  return graph.nodes.splice(nodeIndex(graph, node), 1)[0]!;
}

/** Puts `replacement` (one node or several, in order) where `node` was. */
export function replaceNode(graph: OnnxGraph, node: OnnxNode | string, replacement: OnnxNode | OnnxNode[]): void {
  graph.nodes.splice(nodeIndex(graph, node), 1, ...(Array.isArray(replacement) ? replacement : [replacement]));
}

/** The node that outputs `tensor`, if any. */
export function findProducer(graph: OnnxGraph, tensor: string): OnnxNode | undefined {
  return graph.nodes.find((n) => n.outputs.includes(tensor));
}

/** Nodes that read `tensor`, in graph order. */
export function findConsumers(graph: OnnxGraph, tensor: string): OnnxNode[] {
  return graph.nodes.filter((n) => n.inputs.includes(tensor));
}

/** The initializer called `name`, if any. */
export function getInitializer(graph: OnnxGraph, name: string): OnnxTensor | undefined {
  return graph.initializers.find((t) => t.name === name);
}

/** Replaces the initializer of the same name in place, or appends `tensor`. */
export function setInitializer(graph: OnnxGraph, tensor: OnnxTensor): void {
  const index = graph.initializers.findIndex((t) => t.name === tensor.name);
  if (index >= 0) graph.initializers[index] = tensor;
  else graph.initializers.push(tensor);
}

/** Removes the initializer called `name`; false when absent. A graph input of the same name (IR < 4 lists initializers as inputs) stays, and becomes a required feed. */
export function removeInitializer(graph: OnnxGraph, name: string): boolean {
  const index = graph.initializers.findIndex((t) => t.name === name);
  if (index < 0) return false;
  graph.initializers.splice(index, 1);
  return true;
}

function subgraphs(value: OnnxAttributeValue): OnnxGraph[] {
  const isGraph = (v: unknown): v is OnnxGraph => typeof v === 'object' && v !== null && 'nodes' in v && 'initializers' in v;
  if (Array.isArray(value)) return (value as unknown[]).filter(isGraph);
  return isGraph(value) ? [value] : [];
}

function renameIn(graph: OnnxGraph, from: string, to: string): void {
  const swap = (s: string): string => (s === from ? to : s);
  for (const list of [graph.inputs, graph.outputs, graph.valueInfo, graph.initializers]) {
    for (const item of list) item.name = swap(item.name);
  }
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map(swap);
    node.outputs = node.outputs.map(swap);
    for (const value of Object.values(node.attributes)) for (const sub of subgraphs(value)) renameIn(sub, from, to);
  }
}

function namesIn(graph: OnnxGraph, into: Set<string>): Set<string> {
  for (const list of [graph.inputs, graph.outputs, graph.valueInfo, graph.initializers]) for (const item of list) into.add(item.name);
  for (const node of graph.nodes) {
    for (const n of [...node.inputs, ...node.outputs]) into.add(n);
    for (const value of Object.values(node.attributes)) for (const sub of subgraphs(value)) namesIn(sub, into);
  }
  return into;
}

/**
 * Renames a tensor everywhere: graph inputs/outputs, value infos, initializers, node
 * inputs/outputs, and references inside subgraphs (ONNX forbids shadowing, so every
 * occurrence is the same tensor).
 * @throws InvalidArgumentError when `to` is already used or `from` does not occur.
 */
export function renameTensor(graph: OnnxGraph, from: string, to: string): void {
  if (from === to) return;
  const names = namesIn(graph, new Set());
  if (!names.has(from)) throw new InvalidArgumentError(`cannot rename "${from}": no such tensor in graph "${graph.name}"`);
  if (to === '' || names.has(to)) throw new InvalidArgumentError(`cannot rename "${from}" to "${to}": that name is ${to === '' ? 'empty' : 'already used'}`);
  renameIn(graph, from, to);
}

/**
 * Reorders nodes so every node comes after the producers of its inputs (stable: keeps the
 * current order where it is already valid).
 * @throws ModelError `E_MODEL_INVALID` when the graph has a cycle.
 */
export function topologicalSort(graph: OnnxGraph): void {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const waiting = graph.nodes.map((n) => new Set(n.inputs.filter((x) => producer.has(x)).map((x) => producer.get(x)!)));
  const consumers = graph.nodes.map(() => [] as number[]);
  waiting.forEach((deps, i) => deps.forEach((d) => consumers[d]!.push(i)));
  // Always take the lowest ready index so an already-sorted graph stays unchanged.
  const ready = waiting.flatMap((d, i) => (d.size === 0 ? [i] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const c of consumers[i]!) {
      const deps = waiting[c]!;
      deps.delete(i);
      if (deps.size === 0) ready.push(c);
    }
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((_, i) => !order.includes(i)).map((n) => n.name || n.opType);
    throw new ModelError(ErrorCodes.MODEL_INVALID, `graph "${graph.name}" has a cycle through ${stuck.slice(0, 5).join(', ')}`, { details: { problems: [`cycle through ${stuck.join(', ')}`] } });
  }
  graph.nodes = order.map((i) => graph.nodes[i]!);
}

function constantTensor(node: OnnxNode): OnnxTensor | undefined {
  const name = node.outputs[0] ?? '';
  const a = node.attributes;
  const list = (dataType: OnnxDataType, values: unknown[], dims: number[]): OnnxTensor => makeTensor(name, dataType, dims, values as number[]);
  if (a.value !== undefined && typeof a.value === 'object' && 'dataType' in a.value) return { ...(a.value as OnnxTensor), name };
  if (typeof a.value_float === 'number') return list('float32', [a.value_float], []);
  if (Array.isArray(a.value_floats)) return list('float32', a.value_floats, [a.value_floats.length]);
  if (typeof a.value_int === 'number' || typeof a.value_int === 'bigint') return list('int64', [a.value_int], []);
  if (Array.isArray(a.value_ints)) return list('int64', a.value_ints, [a.value_ints.length]);
  return undefined;
}

/**
 * Turns Constant nodes (tensor, float(s) and int(s) forms) into initializers named after
 * their output, so weights can be found and edited with `getInitializer`/`setInitializer`.
 * onnxruntime folds both forms the same way. Returns how many were converted.
 */
export function constantsToInitializers(graph: OnnxGraph): number {
  let converted = 0;
  graph.nodes = graph.nodes.filter((node) => {
    if (node.opType !== 'Constant' || node.domain !== '' || node.outputs.length !== 1) return true;
    const tensor = constantTensor(node);
    if (tensor === undefined) return true;
    setInitializer(graph, tensor);
    converted += 1;
    return false;
  });
  return converted;
}
