import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  analyzeChannels, applyPruning, channelScores, checkCriterion, checkFlopsTarget, lowestChannels, mobileNetV2, mobileNetV2Like,
  planBySensitivity, planUniform, selectBackend, type ChannelGraph, type ChannelGroup, type PruneSelection, type SensitivityResult,
} from '../src';
import { rng } from './helpers';

// The channel dependency graph and the model surgery of src/prune, on small models built
// here: groups (residual adds, depthwise convs, concatenations) are what they should be, and
// removing channels whose contribution is exactly zero leaves the outputs unchanged (which
// only holds when every weight slice is taken on the right axis and the right indices).

type Sym = tfl.SymbolicTensor;

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

/** input 8×8×3 → conv a 3×3 (8) → BN → ReLU ─┬─ conv b 3×3 → BN ─ add1 → conv c 1×1 → BN ─ add2 → GAP → dense 3 */
function residualModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
  const a = tfl.layers.reLU({ name: 'relu_a' }).apply(tfl.layers.batchNormalization({ name: 'bn_a' }).apply(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'conv_a' }).apply(input) as Sym) as Sym) as Sym;
  const b = tfl.layers.batchNormalization({ name: 'bn_b' }).apply(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'conv_b' }).apply(a) as Sym) as Sym;
  const add1 = tfl.layers.add({ name: 'add1' }).apply([a, b]) as Sym;
  const c = tfl.layers.batchNormalization({ name: 'bn_c' }).apply(tfl.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, name: 'conv_c' }).apply(add1) as Sym) as Sym;
  const add2 = tfl.layers.add({ name: 'add2' }).apply([add1, c]) as Sym;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(add2) as Sym;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(pooled) as Sym });
}

/**
 * p (4) → BN ─┐
 * q (6) ──────┴ concat → BN → ReLU → depthwise 3×3 → BN ─ add with s (10) → conv r (5) → flatten → dense 3
 */
function concatModel(withAdd: boolean): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 3], name: 'image' });
  const p = tfl.layers.batchNormalization({ name: 'bn_p' }).apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_p' }).apply(input) as Sym) as Sym;
  const q = tfl.layers.conv2d({ filters: 6, kernelSize: 1, name: 'conv_q' }).apply(input) as Sym;
  let x = tfl.layers.concatenate({ name: 'cat' }).apply([p, q]) as Sym;
  x = tfl.layers.reLU({ name: 'relu_cat' }).apply(tfl.layers.batchNormalization({ name: 'bn_cat' }).apply(x) as Sym) as Sym;
  x = tfl.layers.batchNormalization({ name: 'bn_dw' }).apply(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(x) as Sym) as Sym;
  if (withAdd) x = tfl.layers.add({ name: 'add_s' }).apply([x, tfl.layers.conv2d({ filters: 10, kernelSize: 1, name: 'conv_s' }).apply(input) as Sym]) as Sym;
  x = tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu', name: 'conv_r' }).apply(x) as Sym;
  x = tfl.layers.flatten({ name: 'flat' }).apply(x) as Sym;
  x = tfl.layers.dense({ units: 7, activation: 'relu', name: 'hidden' }).apply(x) as Sym;
  x = tfl.layers.dropout({ rate: 0.2, name: 'drop' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(x) as Sym });
}

function groupOf(graph: ChannelGraph, producer: string): ChannelGroup {
  const g = graph.groups.find((x) => x.producers.some((p) => p.layer === producer));
  if (!g) throw new Error(`no group for ${producer}`);
  return g;
}

const sorted = (a: readonly string[]): string[] => [...a].sort();

/** Random weights everywhere (BN variances positive), so nothing is zero by chance. */
function randomize(model: tfl.LayersModel, seed: number): void {
  const r = rng(seed);
  for (const w of model.weights) {
    const n = w.shape.reduce((a: number, d) => a * (d as number), 1);
    const variance = w.name.includes('moving_variance');
    const values = Float32Array.from({ length: n }, () => (variance ? 0.5 + r() : (r() * 2 - 1) * 0.8));
    w.write(tf.tensor(values, w.shape as number[]));
  }
}

/**
 * Makes channels `coords` of group `g` contribute exactly nothing: their producers' filters
 * and biases, and γ, β of every BatchNorm (and bias of every depthwise conv) they pass, are 0.
 */
function zeroChannels(model: tfl.LayersModel, graph: ChannelGraph, g: ChannelGroup, coords: readonly number[]): void {
  const set = new Set(coords);
  const edit = (layer: string, short: string, fn: (values: Float32Array, shape: number[]) => void): void => {
    const w = model.getLayer(layer).weights.find((v) => (v.originalName ?? v.name).endsWith(`/${short}`));
    if (!w) return;
    const values = Float32Array.from(w.read().dataSync() as Float32Array);
    fn(values, w.shape as number[]);
    w.write(tf.tensor(values, w.shape as number[]));
  };
  for (const p of g.producers) {
    const local = [...set].map((c) => c - p.offset).filter((c) => c >= 0 && c < p.channels);
    edit(p.layer, 'kernel', (v, shape) => {
      const cout = shape[shape.length - 1]!;
      for (let i = 0; i < v.length; i++) if (local.includes(i % cout)) v[i] = 0;
    });
    edit(p.layer, 'bias', (v) => local.forEach((c) => (v[c] = 0)));
  }
  for (const layer of g.channelwise) {
    const positions = graph.inputPlacement(layer).flatMap((pl, pos) => (pl.group === g.id && set.has(pl.coord) ? [pos] : []));
    for (const short of ['gamma', 'beta', 'bias']) edit(layer, short, (v) => positions.forEach((i) => (v[i] = 0)));
  }
}

async function outputs(model: tfl.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('channel groups', () => {
  test('residual adds put every conv they join in one group; the head keeps its classes', () => {
    const model = residualModel();
    const graph = analyzeChannels(model);
    const g = groupOf(graph, 'conv_a');
    expect(g.size).toBe(8);
    expect(g.prunable).toBe(true);
    expect(sorted(g.producers.map((p) => p.layer))).toEqual(['conv_a', 'conv_b', 'conv_c']);
    expect(g.producers.every((p) => p.offset === 0 && p.channels === 8)).toBe(true);
    expect(sorted(g.channelwise)).toEqual(['bn_a', 'bn_b', 'bn_c']);
    expect(sorted(g.consumers)).toEqual(['conv_b', 'conv_c', 'head']);
    expect(sorted(g.joins)).toEqual(['add1', 'add2']);
    const head = groupOf(graph, 'head');
    expect(head.prunable).toBe(false);
    expect(head.reason).toMatch(/model output/);
    expect(graph.groups).toHaveLength(2);
    model.dispose();
  });

  test('concatenation maps its inputs at offsets; an Add with the concatenation ties a conv to both', () => {
    const plain = concatModel(false);
    const graph = analyzeChannels(plain);
    const p = groupOf(graph, 'conv_p');
    const q = groupOf(graph, 'conv_q');
    expect(p.id).not.toBe(q.id);
    expect([p.size, q.size]).toEqual([4, 6]);
    // The BN after the concatenation and the depthwise conv follow both groups' channels.
    for (const g of [p, q]) {
      expect(sorted(g.channelwise)).toEqual(sorted([...(g === p ? ['bn_p'] : []), 'bn_cat', 'dw', 'bn_dw']));
      expect(g.consumers).toEqual(['conv_r']);
    }
    // conv_r's output is flattened (3×3 positions × 5 channels) into the hidden Dense's rows.
    expect(groupOf(graph, 'conv_r').consumers).toEqual(['hidden']);
    expect(groupOf(graph, 'hidden').prunable).toBe(true);
    expect(graph.inputPlacement('bn_cat').map((x) => x.coord)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4, 5]);
    plain.dispose();

    const joined = concatModel(true);
    const g2 = analyzeChannels(joined);
    const all = groupOf(g2, 'conv_s');
    expect(all.size).toBe(10);
    expect(Object.fromEntries(all.producers.map((x) => [x.layer, [x.offset, x.channels]]))).toEqual({ conv_p: [0, 4], conv_q: [4, 6], conv_s: [0, 10] });
    expect(all.joins).toEqual(['add_s']);
    expect(groupOf(g2, 'conv_p').id).toBe(all.id);
    joined.dispose();
  });

  test('MobileNetV2: depthwise convs follow their expand conv, residual blocks of a stage share one group', () => {
    const model = mobileNetV2({ alpha: 0.35, inputSize: 32, numClasses: 3 });
    const graph = analyzeChannels(model);
    const stem = groupOf(graph, 'Conv1');
    expect(stem.producers.map((p) => p.layer)).toEqual(['Conv1']);
    expect(sorted(stem.channelwise)).toEqual(['bn_Conv1', 'expanded_conv_depthwise', 'expanded_conv_depthwise_BN']);
    expect(stem.consumers).toEqual(['expanded_conv_project']);
    const expand = groupOf(graph, 'block_1_expand');
    expect(sorted(expand.channelwise)).toEqual(['block_1_depthwise', 'block_1_depthwise_BN', 'block_1_expand_BN']);
    expect(expand.consumers).toEqual(['block_1_project']);
    // Stage 3 (32·α channels, blocks 3–5): one group, joined by the two adds.
    const stage = groupOf(graph, 'block_3_project');
    expect(sorted(stage.producers.map((p) => p.layer))).toEqual(['block_3_project', 'block_4_project', 'block_5_project']);
    expect(sorted(stage.joins)).toEqual(['block_4_add', 'block_5_add']);
    expect(sorted(stage.consumers)).toEqual(['block_4_expand', 'block_5_expand', 'block_6_expand']);
    expect(groupOf(graph, 'Conv_1').consumers).toEqual(['predictions']);
    expect(groupOf(graph, 'predictions').prunable).toBe(false);
    // 1 stem + 16 expands + 7 stage groups (one per stage, adds merge the rest) + head conv + predictions.
    expect(graph.groups).toHaveLength(26);
    expect(graph.cost().params).toBe(model.countParams());
    model.dispose();
  });
});

describe('pruning surgery', () => {
  // On each model: zero a third of every prunable group's channels, pick them with the
  // criterion (they score 0), remove them, and compare the outputs.
  const cases: [string, () => tfl.LayersModel, number[]][] = [
    ['residual', residualModel, [8, 8, 3]],
    ['concat + add', () => concatModel(true), [6, 6, 3]],
    ['concat', () => concatModel(false), [6, 6, 3]],
    ['mobileNetV2Like α 0.35', () => mobileNetV2Like({ numClasses: 4, inputSize: 32, alpha: 0.35 }), [32, 32, 3]],
  ];
  test.each(cases)('%s: removing zero channels keeps the outputs; FLOPs and params drop as computed', async (_name, build, shape) => {
    const model = build();
    randomize(model, 3);
    const graph = analyzeChannels(model);
    const r = rng(11);
    const selection: { group: number; remove: number[] }[] = [];
    for (const g of graph.prunableGroups) {
      const k = Math.max(1, Math.floor(g.size / 3));
      const coords = new Set<number>();
      while (coords.size < k) coords.add(Math.floor(r() * g.size));
      zeroChannels(model, graph, g, [...coords]);
      selection.push({ group: g.id, remove: [...coords].sort((a, b) => a - b) });
    }
    // Both magnitude criteria find exactly the zeroed channels.
    for (const criterion of ['l1', 'bn-scale'] as const) {
      const scores = channelScores(graph, criterion);
      for (const s of selection) expect(lowestChannels(scores[s.group]!, s.remove.length / graph.groups[s.group]!.size)).toEqual(s.remove);
    }
    const pruned = await applyPruning(model, graph, selection);
    const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 5);
    const diff = maxAbsDiff(await outputs(pruned, x), await outputs(model, x));
    expect(diff).toBeLessThan(1e-5);
    // The check has teeth: removing other channels (each index moved by one) changes the outputs.
    const shifted = selection.map((s) => ({ group: s.group, remove: [...new Set(s.remove.map((c) => (c + 1) % graph.groups[s.group]!.size))].sort((a, b) => a - b) }))
      .map((s, i) => (s.remove.join() === selection[i]!.remove.join() ? { ...s, remove: s.remove.slice(1) } : s));
    const wrong = await applyPruning(model, graph, shifted);
    expect(maxAbsDiff(await outputs(wrong, x), await outputs(model, x))).toBeGreaterThan(1e-4);
    wrong.dispose();

    const expected = graph.cost(selection);
    const after = analyzeChannels(pruned).cost();
    expect(after).toEqual(expected);
    expect(pruned.countParams()).toBe(expected.params);
    expect(graph.cost().params).toBe(model.countParams());
    expect(expected.flops).toBeLessThan(graph.cost().flops);
    // Pruned output shapes: fewer filters, same spatial sizes.
    for (const g of graph.prunableGroups) {
      const removed = selection.find((s) => s.group === g.id)!.remove.length;
      for (const p of g.producers.filter((q) => q.channels === g.size)) {
        const out = pruned.getLayer(p.layer).outputShape as number[];
        expect(out[out.length - 1]).toBe(g.size - removed);
      }
    }
    tf.dispose(x);
    pruned.dispose();
    model.dispose();
  });

  test('FLOPs of the residual model by hand', () => {
    const model = residualModel();
    const graph = analyzeChannels(model);
    // conv_a 64·9·3·8 + conv_b 64·9·8·8 + conv_c 64·8·8 + head 8·3
    expect(graph.cost().flops).toBe(13824 + 36864 + 4096 + 24);
    const g = groupOf(graph, 'conv_a');
    // 6 of 8 channels left everywhere.
    expect(graph.cost([{ group: g.id, remove: [1, 5] }]).flops).toBe(64 * 9 * 3 * 6 + 64 * 9 * 36 + 64 * 36 + 18);
    model.dispose();
  });

  test('FPGM ranks the filter nearest the others lowest, L1 the smallest one', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const conv = tfl.layers.conv2d({ filters: 5, kernelSize: 1, useBias: false, name: 'c' }).apply(input) as Sym;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(tfl.layers.globalAveragePooling2d({}).apply(conv) as Sym) as Sym });
    const levels = [3, 2, 4, 0.1, 6];
    // kernel [1, 1, 2, 5]: filter o is (levels[o], levels[o]).
    model.getLayer('c').setWeights([tf.tensor4d([...levels, ...levels], [1, 1, 2, 5])]);
    const graph = analyzeChannels(model);
    const g = groupOf(graph, 'c').id;
    expect(lowestChannels(channelScores(graph, 'fpgm')[g]!, 0.2)).toEqual([0]);
    expect(lowestChannels(channelScores(graph, 'l1')[g]!, 0.2)).toEqual([3]);
    // Kept channels rounded to a multiple: 16 channels at 0.3 keep 11 → 8; at 0.1 keep 14 → all 16.
    const sixteen = Float64Array.from({ length: 16 }, (_, i) => 16 - i);
    expect(lowestChannels(sixteen, 0.3)).toHaveLength(5);
    expect(lowestChannels(sixteen, 0.3, 8)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(lowestChannels(sixteen, 0.1, 8)).toEqual([]);
    // Without BatchNorm, bn-scale falls back to l1.
    expect(lowestChannels(channelScores(graph, 'bn-scale')[g]!, 0.2)).toEqual([3]);
    model.dispose();
  });
});

describe('plans for a FLOPs target', () => {
  test('uniform and sensitivity plans reach the target; the sensitive group is pruned less', () => {
    const model = mobileNetV2Like({ numClasses: 4, inputSize: 32, alpha: 0.5 });
    const graph = analyzeChannels(model);
    const scores = channelScores(graph, 'l1');
    for (const target of [0.7, 0.5]) {
      const uniform = planUniform(graph, scores, target);
      expect(uniform.reached).toBe(true);
      expect(uniform.flopsRatio).toBeLessThanOrEqual(target);
      expect(uniform.flopsRatio).toBeGreaterThan(target - 0.08);
      // One ratio asked of every group; each group's kept count rounds it.
      for (const g of graph.prunableGroups) expect(Math.abs((uniform.ratios[g.id] ?? 0) - uniform.uniformRatio!)).toBeLessThanOrEqual(0.5 / g.size + 1e-9);
    }
    // A made-up sweep: the first prunable group loses a lot at any ratio, the others nothing
    // until 0.5, then a little.
    const groups = graph.prunableGroups;
    const sensitivity: SensitivityResult = {
      baseline: 0.9,
      groups: groups.map((g, i) => ({
        group: g.id,
        layers: g.producers.map((p) => p.layer),
        channels: g.size,
        points: [0.1, 0.3, 0.5, 0.7].map((ratio) => ({ ratio, removed: Math.round(ratio * g.size), metric: 0, loss: i === 0 ? 0.5 * ratio : ratio <= 0.5 ? 0 : 0.1 * (ratio - 0.5) })),
      })),
    };
    const plan = planBySensitivity(graph, scores, sensitivity, 0.6);
    expect(plan.reached).toBe(true);
    expect(plan.flopsRatio).toBeLessThanOrEqual(0.6);
    expect(plan.flopsRatio).toBeGreaterThan(0.58);
    // The sensitive group keeps every channel.
    expect(plan.selection.some((s) => s.group === groups[0]!.id)).toBe(false);
    expect(Math.max(...Object.values(plan.ratios))).toBeLessThanOrEqual(0.7);
    // Asking for more than the sweep allows: every group at 0.7, target not reached.
    const far = planBySensitivity(graph, scores, sensitivity, 0.05);
    expect(far.reached).toBe(false);
    for (const g of graph.prunableGroups) expect(Math.abs(far.ratios[g.id]! - 0.7)).toBeLessThanOrEqual(0.5 / g.size + 1e-9);
    // Kept channels in multiples of 8: the plan still reaches the target, close to it.
    const eights = planBySensitivity(graph, scores, sensitivity, 0.6, { channelMultiple: 8 });
    expect(eights.reached).toBe(true);
    expect(eights.flopsRatio).toBeGreaterThan(0.5);
    for (const s of eights.selection) expect((graph.groups[s.group]!.size - s.remove.length) % 8).toBe(0);
    model.dispose();
  });
});

describe('errors', () => {
  test('a layer the pruner does not know is named', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const x = tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 3, name: 'up' }).apply(input) as Sym;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.globalAveragePooling2d({}).apply(x) as Sym });
    expect(() => analyzeChannels(model)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_OP', message: expect.stringContaining('"up" of class Conv2DTranspose') }));
    const dw = tfl.input({ shape: [8, 8, 3] });
    const m2 = tfl.model({ inputs: dw, outputs: tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw2' }).apply(dw) as Sym });
    expect(() => analyzeChannels(m2)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_OP', message: expect.stringContaining('depthMultiplier=2') }));
    model.dispose();
    m2.dispose();
  });

  test('bad selections, FLOPs targets and criteria are typed errors', () => {
    const model = residualModel();
    const graph = analyzeChannels(model);
    const g = groupOf(graph, 'conv_a').id;
    const head = groupOf(graph, 'head').id;
    const bad: PruneSelection[] = [[{ group: g, remove: [0, 1, 2, 3, 4, 5, 6, 7] }], [{ group: head, remove: [0] }], [{ group: g, remove: [8] }], [{ group: 99, remove: [0] }]];
    for (const s of bad) expect(() => graph.cost(s)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    for (const f of [0, 1, 1.5, -0.2, Number.NaN]) expect(() => checkFlopsTarget(f)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => checkCriterion('l2')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('l1, fpgm, bn-scale') }));
    model.dispose();
  });
});
