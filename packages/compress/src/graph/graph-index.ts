/**
 * Who produces and who reads each tensor of a graph, initializers by name, and fresh names:
 * what the rewrite passes of this package look things up in. Rebuild it (`new GraphIndex`)
 * after structural edits; it does not track them.
 */
import type { OnnxGraph, OnnxNode, OnnxTensor } from '@modelkit/core';

export class GraphIndex {
  private readonly producers = new Map<string, OnnxNode>();
  private readonly consumers = new Map<string, OnnxNode[]>();
  private readonly inits: Map<string, OnnxTensor>;
  private readonly used = new Set<string>();
  private readonly outputs: Set<string>;
  private counter = 0;

  constructor(readonly graph: OnnxGraph) {
    this.inits = new Map(graph.initializers.map((t) => [t.name, t]));
    this.outputs = new Set(graph.outputs.map((o) => o.name));
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo, ...graph.initializers]) this.used.add(v.name);
    for (const n of graph.nodes) {
      if (n.name) this.used.add(n.name);
      for (const o of n.outputs) {
        if (o === '') continue;
        this.producers.set(o, n);
        this.used.add(o);
      }
      for (const i of n.inputs) {
        if (i === '') continue;
        let list = this.consumers.get(i);
        if (list === undefined) this.consumers.set(i, (list = []));
        if (!list.includes(n)) list.push(n);
      }
    }
  }

  /** The node writing `tensor` (undefined for graph inputs and initializers). */
  producer(tensor: string): OnnxNode | undefined {
    return this.producers.get(tensor);
  }

  /** Nodes reading `tensor`, in graph order. */
  readers(tensor: string): readonly OnnxNode[] {
    return this.consumers.get(tensor) ?? [];
  }

  /** The initializer called `name`, if any (external-data tensors excluded: their bytes are not loaded). */
  initializer(name: string | undefined): OnnxTensor | undefined {
    if (name === undefined || name === '') return undefined;
    const t = this.inits.get(name);
    return t !== undefined && t.external === undefined ? t : undefined;
  }

  /** True when `tensor` is one of the graph's outputs. */
  isGraphOutput(tensor: string): boolean {
    return this.outputs.has(tensor);
  }

  /** The only reader of `tensor` when it has exactly one and is not a graph output. */
  soleConsumer(tensor: string): OnnxNode | undefined {
    const c = this.consumers.get(tensor);
    return c !== undefined && c.length === 1 && !this.outputs.has(tensor) ? c[0] : undefined;
  }

  /** A name unused in the graph, derived from `hint`. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}/q${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }
}

/** An int list attribute as numbers, or `fallback`. */
export function intsAttr(node: OnnxNode, name: string, fallback: number[]): number[] {
  const v = node.attributes[name];
  return Array.isArray(v) ? (v as (number | bigint)[]).map(Number) : fallback;
}

/** An int attribute as a number, or `fallback`. */
export function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes[name];
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : fallback;
}

/** A float attribute, or `fallback`. */
export function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : fallback;
}

/** A string attribute, or `fallback`. */
export function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const v = node.attributes[name];
  return typeof v === 'string' ? v : fallback;
}

/** The values of an int64/int32 initializer as numbers. */
export function intValues(t: OnnxTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The default-domain opset version of a model's imports (1 when absent). */
export function defaultOpset(opsets: readonly { domain: string; version: number }[]): number {
  return opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
}
