/**
 * A read-mostly view of a graph for rewrite passes: who produces and who reads each
 * tensor, constant lookups, and fresh names. Passes edit the graph through it and call
 * {@link GraphView.commit} once, which drops removed nodes and re-indexes.
 */
import { makeTensor } from '../builders';
import type { OnnxGraph, OnnxNode, OnnxTensor } from '../types';

export class GraphView {
  private producers = new Map<string, OnnxNode>();
  private consumers = new Map<string, OnnxNode[]>();
  private initializers = new Map<string, OnnxTensor>();
  private readonly graphOutputs: Set<string>;
  private readonly names = new Set<string>();
  private readonly removed = new Set<OnnxNode>();
  private counter = 0;

  constructor(readonly graph: OnnxGraph) {
    this.graphOutputs = new Set(graph.outputs.map((o) => o.name));
    this.index();
  }

  /** The node writing `tensor`, if any (undefined for graph inputs and initializers). */
  producer(tensor: string): OnnxNode | undefined {
    return this.producers.get(tensor);
  }

  /** Nodes reading `tensor`. */
  consumersOf(tensor: string): readonly OnnxNode[] {
    return this.consumers.get(tensor) ?? [];
  }

  /**
   * The only node reading `tensor`, when the tensor has exactly one reader and is not a
   * graph output: only then may a pass fold the tensor away.
   */
  soleConsumer(tensor: string): OnnxNode | undefined {
    const c = this.consumers.get(tensor);
    return c !== undefined && c.length === 1 && !this.graphOutputs.has(tensor) ? c[0] : undefined;
  }

  /** A float32 initializer by name (constants only; graph inputs never count). */
  floatConstant(name: string | undefined): OnnxTensor | undefined {
    if (name === undefined || name === '') return undefined;
    const t = this.initializers.get(name);
    return t !== undefined && t.dataType === 'float32' && t.external === undefined ? t : undefined;
  }

  /** The value of a one-element float32 constant. */
  scalar(name: string | undefined): number | undefined {
    const t = this.floatConstant(name);
    return t !== undefined && t.data.length === 1 ? (t.data as Float32Array)[0] : undefined;
  }

  /**
   * A constant that acts per channel on an NCHW tensor with `channels` channels: a scalar
   * (repeated), or `channels` values shaped [C,1,1] or [1,C,1,1]. A plain [C] would
   * broadcast along the LAST axis, so it does not qualify.
   */
  perChannel(name: string | undefined, channels: number | undefined): Float32Array | undefined {
    const t = this.floatConstant(name);
    if (t === undefined) return undefined;
    const data = t.data as Float32Array;
    if (data.length === 1) return channels === undefined ? undefined : new Float32Array(channels).fill(data[0]!);
    if (channels === undefined || data.length !== channels) return undefined;
    const d = t.dims;
    const ok = (d.length === 3 && d[0] === channels && d[1] === 1 && d[2] === 1) || (d.length === 4 && d[0] === 1 && d[1] === channels && d[2] === 1 && d[3] === 1);
    return ok ? data : undefined;
  }

  /** Adds a float32 initializer under a fresh name derived from `hint`; returns the name. */
  addConstant(hint: string, dims: number[], data: Float32Array): string {
    const name = this.freshName(hint);
    const t = makeTensor(name, 'float32', dims, data);
    this.graph.initializers.push(t);
    this.initializers.set(name, t);
    return name;
  }

  /** A tensor/node name not used anywhere in the graph yet. */
  freshName(hint: string): string {
    let name: string;
    do name = `${hint}/mk${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  /** Marks nodes for removal at the next {@link commit}. */
  remove(...nodes: OnnxNode[]): void {
    for (const n of nodes) this.removed.add(n);
  }

  isRemoved(node: OnnxNode): boolean {
    return this.removed.has(node);
  }

  /** Inserts `nodes` right before `anchor` in the node list. */
  insertBefore(anchor: OnnxNode, ...nodes: OnnxNode[]): void {
    const i = this.graph.nodes.indexOf(anchor);
    this.graph.nodes.splice(i < 0 ? this.graph.nodes.length : i, 0, ...nodes);
  }

  /** Applies removals, drops initializers nothing reads any more, and re-indexes. */
  commit(): void {
    if (this.removed.size > 0) this.graph.nodes = this.graph.nodes.filter((n) => !this.removed.has(n));
    this.removed.clear();
    const read = new Set<string>(this.graph.outputs.map((o) => o.name));
    for (const n of this.graph.nodes) for (const i of n.inputs) read.add(i);
    const inputs = new Set(this.graph.inputs.map((i) => i.name));
    // Initializers also listed as graph inputs (IR < 4) are part of the interface: keep them.
    this.graph.initializers = this.graph.initializers.filter((t) => read.has(t.name) || inputs.has(t.name));
    this.index();
  }

  private index(): void {
    this.producers = new Map();
    this.consumers = new Map();
    this.initializers = new Map(this.graph.initializers.map((t) => [t.name, t]));
    for (const t of this.graph.initializers) this.names.add(t.name);
    for (const v of [...this.graph.inputs, ...this.graph.outputs, ...this.graph.valueInfo]) this.names.add(v.name);
    for (const n of this.graph.nodes) {
      if (n.name) this.names.add(n.name);
      for (const o of n.outputs) {
        if (o === '') continue;
        this.producers.set(o, n);
        this.names.add(o);
      }
      for (const i of n.inputs) {
        if (i === '') continue;
        let list = this.consumers.get(i);
        if (list === undefined) this.consumers.set(i, (list = []));
        // A node reading the same tensor twice (Mul(x, x)) is one reader.
        if (!list.includes(n)) list.push(n);
        this.names.add(i);
      }
    }
  }
}

/** Reads an int list attribute (numbers), with a default. */
export function intsAttr(node: OnnxNode, name: string, fallback: number[]): number[] {
  const v = node.attributes[name];
  return Array.isArray(v) ? (v as (number | bigint)[]).map(Number) : fallback;
}

/** Reads an int attribute (number), with a default. */
function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes[name];
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : fallback;
}

/**
 * A plain 2-D Conv or ConvTranspose: default domain, weight and optional bias are float32 constants,
 * no auto_pad. Returns its weight, bias, group and output channel count, else undefined.
 */
export function plainConv(view: GraphView, node: OnnxNode): { weight: OnnxTensor; bias: Float32Array | undefined; group: number; outChannels: number } | undefined {
  if ((node.opType !== 'Conv' && node.opType !== 'ConvTranspose') || node.domain !== '' || node.outputs.length !== 1) return undefined;
  const weight = view.floatConstant(node.inputs[1]);
  if (weight === undefined || weight.dims.length !== 4) return undefined;
  const group = intAttr(node, 'group', 1);
  // Conv weights are [Cout, Cin/group, kH, kW]; ConvTranspose weights [Cin, Cout/group, kH, kW].
  const outChannels = node.opType === 'Conv' ? weight.dims[0]! : weight.dims[1]! * group;
  const autoPad = node.attributes.auto_pad;
  if (autoPad !== undefined && autoPad !== 'NOTSET' && autoPad !== '') return undefined;
  let bias: Float32Array | undefined;
  if (node.inputs[2] !== undefined && node.inputs[2] !== '') {
    const b = view.floatConstant(node.inputs[2]);
    if (b === undefined || b.data.length !== outChannels) return undefined;
    bias = b.data as Float32Array;
  }
  return { weight, bias, group, outChannels };
}
