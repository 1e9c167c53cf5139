/**
 * The channel dependency graph of a tfjs-layers model: which output channels must be
 * removed together so the pruned model stays valid (PaddleSlim's pruning "groups").
 *
 * Every layer that makes new channels (Conv2D filters, Dense units, the model input)
 * opens a channel *space*. A tensor's channel axis is a list of segments of spaces:
 * BatchNorm, activations, pooling and depthwise convs pass it on unchanged, Concatenate
 * stacks its inputs' lists, Flatten repeats it per spatial position. An Add (or any
 * elementwise merge) ties the channels of its inputs position by position, so their
 * spaces join one group (with offsets, see OffsetUnionFind). Pruning group coordinate k
 * removes that channel from every space of the group: the producers' filters, the
 * per-channel weights of every BatchNorm/depthwise conv the channel passes, and the
 * kernel rows of every conv/dense that reads it.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ModelError, ErrorCodes } from '@modelkit/core';
import { layerRole, shortWeightName, unsupportedLayer, weightAxes, type LayerRole, type TfLayer } from './layer-rules';
import { OffsetUnionFind } from './offset-union-find';

type Sym = tfl.SymbolicTensor;

/** A run of `length` channels of space `space`, starting at its channel `start`. */
interface Segment {
  space: number;
  start: number;
  length: number;
}

/** One call of a layer inside the model. */
export interface LayerApplication {
  layer: TfLayer;
  name: string;
  className: string;
  role: LayerRole;
  inputs: Sym[];
  output: Sym;
}

/** A channel space: the output channels of one producer layer, or a model input. */
interface Space {
  size: number;
  /** Producer layer name; absent for model inputs. */
  layer?: string;
  /** Why these channels cannot be removed. */
  fixed?: string;
}

/** A layer of a group and where its channels sit on the group's axis. */
export interface GroupProducer {
  /** The producer layer (Conv2D, SeparableConv2D, Dense). */
  layer: string;
  className: string;
  /** Group coordinate of the layer's output channel 0. */
  offset: number;
  /** Its output channels. */
  channels: number;
}

/** Channels that must be pruned together, and every layer they touch. */
export interface ChannelGroup {
  /** Index in {@link ChannelGraph.groups} (producers in model order). */
  id: number;
  /** Channels on the group's axis. */
  size: number;
  /** False when a channel reaches the model's output or input, or a softmax over channels. */
  prunable: boolean;
  /** Why the group is not prunable. */
  reason?: string;
  /** Layers whose output filters/units are the group's channels. */
  producers: GroupProducer[];
  /** Per-channel layers the channels pass (BatchNormalization, DepthwiseConv2D, PReLU). */
  channelwise: string[];
  /** Layers whose kernel rows read the channels (Conv2D, SeparableConv2D, Dense). */
  consumers: string[];
  /** Elementwise merges (Add, Multiply, ...) that tie the group's spaces together. */
  joins: string[];
}

/** Channels to remove from one group, as group coordinates. */
export interface GroupRemoval {
  group: number;
  remove: readonly number[];
}

/** Which channels to remove: one entry per group that loses any. */
export type PruneSelection = readonly GroupRemoval[];

/** Multiply-accumulates and parameters of a model, with or without a selection removed. */
export interface ModelCost {
  /**
   * Multiply-accumulates of one image through the Conv2D, DepthwiseConv2D, SeparableConv2D
   * and Dense layers (PaddleSlim's `flops` convention: no factor 2, no BatchNorm, activations
   * or pooling: BatchNorm folds into the conv at export and the rest is noise next to them).
   */
  flops: number;
  /** Weights of every layer (trainable and not, as `model.countParams()`). */
  params: number;
}

function lastDim(t: Sym): number {
  const d = t.shape[t.shape.length - 1];
  if (typeof d !== 'number') throw new InvalidArgumentError(`tensor ${t.name} has an unknown channel count`);
  return d;
}

function mapLength(map: readonly Segment[]): number {
  return map.reduce((a, s) => a + s.length, 0);
}

/**
 * Layer calls in dependency order, from the model's inputs through each layer's inbound
 * nodes. A layer called twice (shared weights) cannot have two channel sets: refused.
 */
function collectApplications(model: tfl.LayersModel): LayerApplication[] {
  const known = new Set<number>(model.inputs.map((t) => t.id));
  const pending: { layer: TfLayer; inputs: Sym[]; outputs: Sym[] }[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const nodes = layer.inboundNodes.filter((n) => n.inputTensors.length > 0);
    if (nodes.length !== 1) throw unsupportedLayer(layer, `called ${nodes.length} times; the pruner needs each layer called once`);
    const node = nodes[0]!;
    if (node.outputTensors.length !== 1) throw unsupportedLayer(layer, `${node.outputTensors.length} outputs`);
    pending.push({ layer, inputs: node.inputTensors, outputs: node.outputTensors });
  }
  const apps: LayerApplication[] = [];
  let progress = true;
  while (progress && pending.length > 0) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if (!p.inputs.every((t) => known.has(t.id))) continue;
      const rank = p.inputs[0]!.shape.length;
      apps.push({ layer: p.layer, name: p.layer.name, className: p.layer.getClassName(), role: layerRole(p.layer, rank), inputs: p.inputs, output: p.outputs[0]! });
      known.add(p.outputs[0]!.id);
      pending.splice(i--, 1);
      progress = true;
    }
  }
  if (pending.length > 0) throw unsupportedLayer(pending[0]!.layer, 'not reachable from the model inputs (a nested model?)');
  return apps;
}

/**
 * The channel dependency graph of a model (see the file comment). Build it with
 * {@link analyzeChannels}; it reads the model's structure and, for scores, its weights.
 */
export class ChannelGraph {
  /** Layer calls in dependency order. */
  readonly applications: readonly LayerApplication[];
  /** Channel groups, prunable or not, in the order of their first producer. */
  readonly groups: readonly ChannelGroup[];
  private readonly spaces: Space[] = [];
  private readonly maps = new Map<number, Segment[]>();
  private readonly uf = new OffsetUnionFind();
  /** Per space: its group and the group coordinate of its channel 0. */
  private readonly placement: { group: number; offset: number }[] = [];

  constructor(readonly model: tfl.LayersModel) {
    this.applications = collectApplications(model);
    for (const t of model.inputs) this.maps.set(t.id, [{ space: this.newSpace({ size: lastDim(t), fixed: `model input ${t.name}` }), start: 0, length: lastDim(t) }]);
    const joins = new Map<number, string[]>();
    for (const app of this.applications) this.propagate(app, joins);
    // The output reason wins over any other: it is the one a user expects to read for the head.
    for (const t of model.outputs) for (const s of this.mapOf(t)) this.spaces[s.space]!.fixed = `reaches the model output ${t.name}`;
    this.groups = this.buildGroups(joins);
  }

  /** The groups whose channels can be removed. */
  get prunableGroups(): ChannelGroup[] {
    return this.groups.filter((g) => g.prunable);
  }

  private newSpace(space: Space): number {
    this.spaces.push(space);
    return this.uf.add();
  }

  private mapOf(t: Sym): Segment[] {
    const m = this.maps.get(t.id);
    if (!m) throw new InvalidArgumentError(`tensor ${t.name} is used before it is computed`);
    return m;
  }

  private fix(map: readonly Segment[], reason: string): void {
    for (const s of map) this.spaces[s.space]!.fixed ??= reason;
  }

  private propagate(app: LayerApplication, joins: Map<number, string[]>): void {
    const { layer } = app;
    const inMaps = app.inputs.map((t) => this.mapOf(t));
    const first = inMaps[0]!;
    let out: Segment[];
    switch (app.role) {
      case 'producer': {
        const size = lastDim(app.output);
        const space = this.newSpace({ size, layer: app.name });
        if ((layer.getConfig() as Record<string, unknown>).activation === 'softmax') this.spaces[space]!.fixed = `${app.name} applies a softmax over its channels`;
        out = [{ space, start: 0, length: size }];
        break;
      }
      case 'channelwise':
      case 'passthrough':
        out = first;
        break;
      case 'mixing':
        this.fix(first, `${app.name} (${app.className}) mixes channels`);
        out = first;
        break;
      case 'elementwise': {
        const n = mapLength(first);
        for (const [k, m] of inMaps.entries()) {
          if (mapLength(m) !== n) throw unsupportedLayer(layer, `input ${k} has ${mapLength(m)} channels, input 0 has ${n} (broadcast over channels)`);
          if (k > 0) this.tie(first, m, app, joins);
        }
        out = first;
        break;
      }
      case 'concat':
        out = inMaps.flat();
        break;
      case 'flatten': {
        // tfjs flattens channels-last: the channel axis varies fastest, so the list repeats per position.
        const shape = app.inputs[0]!.shape;
        const positions = shape.slice(1, -1).reduce<number>((a, d) => a * (d ?? NaN), 1);
        if (!Number.isFinite(positions)) throw unsupportedLayer(layer, 'unknown spatial size');
        out = Array.from({ length: positions }, () => first).flat();
        break;
      }
    }
    if (mapLength(out) !== lastDim(app.output)) throw unsupportedLayer(layer, `${lastDim(app.output)} output channels, expected ${mapLength(out)}`);
    this.maps.set(app.output.id, out);
  }

  /** Ties two channel lists of equal length position by position. */
  private tie(a: readonly Segment[], b: readonly Segment[], app: LayerApplication, joins: Map<number, string[]>): void {
    let ia = 0;
    let ib = 0;
    let pa = 0; // position inside a[ia]
    let pb = 0;
    while (ia < a.length && ib < b.length) {
      const sa = a[ia]!;
      const sb = b[ib]!;
      const len = Math.min(sa.length - pa, sb.length - pb);
      // channel (sa.start + pa + i) of sa.space is channel (sb.start + pb + i) of sb.space.
      if (!this.uf.union(sa.space, sb.space, sb.start + pb - (sa.start + pa))) {
        throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `cannot prune: ${app.name} (${app.className}) ties the channels of ${this.describe(sa.space)} and ${this.describe(sb.space)} at two different offsets`, {
          details: { layer: app.name, layerClass: app.className },
        });
      }
      const root = this.uf.find(sa.space).root;
      const list = joins.get(root) ?? [];
      if (!list.includes(app.name)) list.push(app.name);
      joins.set(root, list);
      pa += len;
      pb += len;
      if (pa === sa.length) (ia++, (pa = 0));
      if (pb === sb.length) (ib++, (pb = 0));
    }
  }

  private describe(space: number): string {
    return this.spaces[space]!.layer ?? 'the model input';
  }

  private buildGroups(joinsByRoot: Map<number, string[]>): ChannelGroup[] {
    // Joins were recorded under the root at the time; re-key them by final root.
    const joins = new Map<number, Set<string>>();
    for (const [root, names] of joinsByRoot) {
      const r = this.uf.find(root).root;
      const set = joins.get(r) ?? new Set<string>();
      names.forEach((n) => set.add(n));
      joins.set(r, set);
    }
    const byRoot = new Map<number, number[]>();
    // Spaces in creation order = producers in model order, so group ids follow the model.
    this.spaces.forEach((_, s) => {
      const { root } = this.uf.find(s);
      const list = byRoot.get(root) ?? [];
      list.push(s);
      byRoot.set(root, list);
    });
    const groups: ChannelGroup[] = [];
    const groupOfRoot = new Map<number, number>();
    for (const [root, spaces] of byRoot) {
      // Input spaces alone form no group worth listing: nothing produces them.
      if (spaces.every((s) => this.spaces[s]!.layer === undefined)) {
        for (const s of spaces) this.placement[s] = { group: -1, offset: 0 };
        continue;
      }
      const lo = Math.min(...spaces.map((s) => this.uf.find(s).offset));
      const hi = Math.max(...spaces.map((s) => this.uf.find(s).offset + this.spaces[s]!.size));
      const id = groups.length;
      groupOfRoot.set(root, id);
      for (const s of spaces) this.placement[s] = { group: id, offset: this.uf.find(s).offset - lo };
      const fixed = spaces.map((s) => this.spaces[s]!.fixed).find((f) => f !== undefined);
      groups.push({
        id,
        size: hi - lo,
        prunable: fixed === undefined,
        ...(fixed !== undefined ? { reason: fixed } : {}),
        producers: spaces
          .filter((s) => this.spaces[s]!.layer !== undefined)
          .map((s) => {
            const name = this.spaces[s]!.layer!;
            return { layer: name, className: this.model.getLayer(name).getClassName(), offset: this.placement[s]!.offset, channels: this.spaces[s]!.size };
          }),
        channelwise: [],
        consumers: [],
        joins: [...(joins.get(root) ?? [])],
      });
    }
    for (const app of this.applications) {
      if (app.role !== 'producer' && app.role !== 'channelwise') continue;
      const touched = new Set(this.mapOf(app.inputs[0]!).map((s) => this.placement[s.space]!.group).filter((g) => g >= 0));
      for (const g of touched) (app.role === 'producer' ? groups[g]!.consumers : groups[g]!.channelwise).push(app.name);
    }
    return groups;
  }

  /** Removed local channels per space for a selection (validated). */
  private removedBySpace(selection: PruneSelection): Set<number>[] {
    const removed = this.spaces.map(() => new Set<number>());
    const seen = new Set<number>();
    for (const { group, remove } of selection) {
      const g = this.groups[group];
      if (!g) throw new InvalidArgumentError(`no channel group ${group} (the model has ${this.groups.length})`);
      if (seen.has(group)) throw new InvalidArgumentError(`channel group ${group} is listed twice`);
      seen.add(group);
      if (remove.length === 0) continue;
      if (!g.prunable) throw new InvalidArgumentError(`channel group ${group} (${g.producers.map((p) => p.layer).join(', ')}) cannot be pruned: it ${g.reason}`);
      const set = new Set(remove);
      if (set.size !== remove.length) throw new InvalidArgumentError(`channel group ${group}: a channel is listed twice`);
      for (const k of set) if (!(Number.isInteger(k) && k >= 0 && k < g.size)) throw new InvalidArgumentError(`channel group ${group}: channel ${k} is outside [0, ${g.size})`);
      if (set.size >= g.size) throw new InvalidArgumentError(`channel group ${group}: removing all ${g.size} channels would leave nothing`);
      this.spaces.forEach((_, s) => {
        const p = this.placement[s]!;
        if (p.group !== group) return;
        for (let c = 0; c < this.spaces[s]!.size; c++) if (set.has(p.offset + c)) removed[s]!.add(c);
      });
    }
    return removed;
  }

  /** For every layer call: the kept positions of its (first) input's channel axis and of its own output channels (producers). */
  keptChannels(selection: PruneSelection): Map<string, { in: number[]; out?: number[] }> {
    const removed = this.removedBySpace(selection);
    const keptOf = (map: readonly Segment[]): number[] => {
      const kept: number[] = [];
      let pos = 0;
      for (const s of map) {
        for (let c = 0; c < s.length; c++, pos++) if (!removed[s.space]!.has(s.start + c)) kept.push(pos);
      }
      return kept;
    };
    const result = new Map<string, { in: number[]; out?: number[] }>();
    for (const app of this.applications) {
      const entry: { in: number[]; out?: number[] } = { in: keptOf(this.mapOf(app.inputs[0]!)) };
      if (app.role === 'producer') entry.out = keptOf(this.mapOf(app.output));
      result.set(app.name, entry);
    }
    return result;
  }

  /** FLOPs (multiply-accumulates) and parameters of the model with `selection` removed (none: the model as it is). */
  cost(selection: PruneSelection = []): ModelCost {
    const kept = this.keptChannels(selection);
    let flops = 0;
    let params = 0;
    for (const app of this.applications) {
      const k = kept.get(app.name)!;
      const cin = k.in.length;
      const cout = k.out?.length ?? cin;
      for (const w of app.layer.weights) {
        const rule = weightAxes(app.layer, shortWeightName(w), w.shape as number[]);
        params += (w.shape as number[]).reduce((a, d, axis) => a * (rule[axis] === 'in' ? cin : rule[axis] === 'out' ? cout : d), 1);
      }
      const outShape = app.output.shape;
      // Output positions per image: every axis but batch and channels.
      const positions = outShape.slice(1, -1).reduce<number>((a, d) => a * (d ?? 0), 1);
      const config = app.layer.getConfig() as Record<string, unknown>;
      const kernel = (): number => {
        const ks = config.kernelSize;
        return Array.isArray(ks) ? ks.reduce((a: number, d) => a * Number(d), 1) : Number(ks) ** 2;
      };
      switch (app.className) {
        case 'Conv2D':
          flops += positions * kernel() * cin * cout;
          break;
        case 'DepthwiseConv2D':
          flops += positions * kernel() * cin;
          break;
        case 'SeparableConv2D':
          flops += positions * (kernel() * cin + cin * cout);
          break;
        case 'Dense':
          flops += positions * cin * cout;
          break;
      }
    }
    return { flops, params };
  }

  /** Group and coordinate of every position of a layer call's (first) input channel axis; group -1 for model-input channels. */
  inputPlacement(layer: string): { group: number; coord: number }[] {
    const app = this.applications.find((a) => a.name === layer);
    if (!app) throw new InvalidArgumentError(`no layer ${layer} in the model`);
    const out: { group: number; coord: number }[] = [];
    for (const s of this.mapOf(app.inputs[0]!)) {
      const p = this.placement[s.space]!;
      for (let c = 0; c < s.length; c++) out.push({ group: p.group, coord: p.offset + s.start + c });
    }
    return out;
  }
}

/**
 * Builds the channel dependency graph of `model` (a functional or sequential tfjs-layers
 * model whose layers are each called once).
 *
 * @throws ModelError `E_UNSUPPORTED_OP` naming the layer and its class for a layer the
 *   pruner has no rule for (or a setting such as a depth multiplier ≠ 1).
 */
export function analyzeChannels(model: tfl.LayersModel): ChannelGraph {
  return new ChannelGraph(model);
}
