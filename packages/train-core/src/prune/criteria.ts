/**
 * Channel importance per group: low scores are pruned first.
 *
 * - `l1`: L1 norm of each output filter (Li et al., "Pruning Filters for Efficient ConvNets").
 * - `fpgm`: distance of each filter to the others, summed: filters near the geometric median
 *   of their layer are the ones the others can replace (He et al., FPGM).
 * - `bn-scale`: |γ| of the BatchNorm each channel passes (Liu et al., "Network Slimming").
 *
 * A group's score of a channel is the mean over its members (the producers for `l1`/`fpgm`,
 * the BatchNorms for `bn-scale`), each member's scores first divided by their own mean: a
 * residual group's layers have filter norms of different scales, and without that the
 * largest layer alone would decide.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { ChannelGraph } from './channel-graph';
import { shortWeightName } from './layer-rules';

/** Channel importance criteria (see the file comment). */
export const PRUNE_CRITERIA = ['l1', 'fpgm', 'bn-scale'] as const;
export type PruneCriterion = (typeof PRUNE_CRITERIA)[number];

/** Checks a criterion name (e.g. from a flag). */
export function checkCriterion(value: string): PruneCriterion {
  if (!(PRUNE_CRITERIA as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown pruning criterion '${value}': use one of ${PRUNE_CRITERIA.join(', ')}`, { details: { criterion: value } });
  }
  return value as PruneCriterion;
}

/** Per output channel of a producer: its filter as a vector (all other kernel axes). */
function filters(graph: ChannelGraph, layer: string): Float32Array[] {
  const l = graph.model.getLayer(layer);
  const className = l.getClassName();
  const wanted = className === 'SeparableConv2D' ? 'pointwise_kernel' : 'kernel';
  const w = l.weights.find((v) => shortWeightName(v) === wanted);
  if (!w) throw new InvalidArgumentError(`layer ${layer} has no ${wanted}`);
  const values = w.read().dataSync() as Float32Array;
  const shape = w.shape as number[];
  // The output axis is last in every tfjs kernel layout here ([kh, kw, in, out], [in, out]).
  const cout = shape[shape.length - 1]!;
  const per = values.length / cout;
  const out = Array.from({ length: cout }, () => new Float32Array(per));
  for (let i = 0; i < per; i++) for (let o = 0; o < cout; o++) out[o]![i] = values[i * cout + o]!;
  return out;
}

function l1Scores(fs: Float32Array[]): Float64Array {
  return Float64Array.from(fs, (f) => f.reduce((a, v) => a + Math.abs(v), 0));
}

function fpgmScores(fs: Float32Array[]): Float64Array {
  const n = fs.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = fs[i]!;
      const b = fs[j]!;
      let d = 0;
      for (let k = 0; k < a.length; k++) d += (a[k]! - b[k]!) ** 2;
      d = Math.sqrt(d);
      s[i]! += d;
      s[j]! += d;
    }
  }
  return s;
}

/** Divides by the mean (a layer of all-zero scores stays zero). */
function normalize(s: Float64Array): Float64Array {
  const mean = s.reduce((a, v) => a + v, 0) / Math.max(1, s.length);
  return mean > 0 ? s.map((v) => v / mean) : s;
}

/**
 * Importance of every channel of every group, indexed `[group][coordinate]`; non-prunable
 * groups get an empty array. `bn-scale` falls back to `l1` for a group with a channel that
 * passes no BatchNorm (e.g. a Dense head's hidden units).
 */
export function channelScores(graph: ChannelGraph, criterion: PruneCriterion): Float64Array[] {
  checkCriterion(criterion);
  const sums = graph.groups.map((g) => new Float64Array(g.prunable ? g.size : 0));
  const counts = graph.groups.map((g) => new Float64Array(g.prunable ? g.size : 0));
  const fromFilters = (groupIds: ReadonlySet<number>, how: 'l1' | 'fpgm'): void => {
    for (const g of graph.groups) {
      if (!g.prunable || !groupIds.has(g.id)) continue;
      for (const p of g.producers) {
        const scores = normalize(how === 'l1' ? l1Scores(filters(graph, p.layer)) : fpgmScores(filters(graph, p.layer)));
        scores.forEach((v, c) => {
          sums[g.id]![p.offset + c]! += v;
          counts[g.id]![p.offset + c]! += 1;
        });
      }
    }
  };
  if (criterion !== 'bn-scale') {
    fromFilters(new Set(graph.groups.map((g) => g.id)), criterion);
  } else {
    const covered = graph.groups.map((g) => new Uint8Array(g.prunable ? g.size : 0));
    const bnSums = graph.groups.map((g) => new Float64Array(g.prunable ? g.size : 0));
    const bnCounts = graph.groups.map((g) => new Float64Array(g.prunable ? g.size : 0));
    for (const app of graph.applications) {
      if (app.className !== 'BatchNormalization') continue;
      const gamma = app.layer.weights.find((w) => shortWeightName(w) === 'gamma');
      // A BatchNorm without scale (scale: false) says nothing about importance.
      if (!gamma) continue;
      const places = graph.inputPlacement(app.name);
      const values = normalize(Float64Array.from(gamma.read().dataSync() as Float32Array, Math.abs));
      places.forEach((p, pos) => {
        if (p.group < 0 || !graph.groups[p.group]!.prunable) return;
        bnSums[p.group]![p.coord]! += values[pos]!;
        bnCounts[p.group]![p.coord]! += 1;
        covered[p.group]![p.coord] = 1;
      });
    }
    const fallback = new Set<number>();
    for (const g of graph.groups) {
      if (!g.prunable) continue;
      if (covered[g.id]!.every((c) => c === 1)) {
        sums[g.id] = bnSums[g.id]!;
        counts[g.id] = bnCounts[g.id]!;
      } else {
        fallback.add(g.id);
      }
    }
    fromFilters(fallback, 'l1');
  }
  return sums.map((s, g) => s.map((v, c) => v / Math.max(1, counts[g]![c]!)));
}

/**
 * The `round(ratio · size)` lowest-scoring channels of a group (at least one channel kept),
 * ties broken by channel index so a selection is reproducible. With `multiple` > 1 the kept
 * count is rounded to the nearest multiple of it (at least `multiple`, at most the group's
 * size): onnxruntime's CPU convolutions work on blocks of 8/16 channels. Three prunings of
 * the small CNN (16/32/64/128 filters) to ~49% of its FLOPs ran, at 64² and 128², 1 thread:
 * 13/27/34/47 channels 0.81–0.97× the unpruned speed (slower), 12/28/36/48 0.97–1.04×,
 * 16/24/32/48 1.23–1.75× (`tools/bench/compress/prune.ts --layouts`).
 */
export function lowestChannels(scores: Float64Array, ratio: number, multiple = 1): number[] {
  return lowestK(scores, removalCount(scores.length, ratio, multiple));
}

/** How many of `n` channels {@link lowestChannels} removes at `ratio` with `multiple`. */
export function removalCount(n: number, ratio: number, multiple = 1): number {
  if (!(ratio >= 0 && ratio < 1)) throw new InvalidArgumentError(`a pruning ratio must be in [0, 1), got ${ratio}`);
  if (!(Number.isInteger(multiple) && multiple >= 1)) throw new InvalidArgumentError(`the channel multiple must be an integer >= 1, got ${multiple}`);
  let kept = n - Math.min(n - 1, Math.round(ratio * n));
  if (multiple > 1 && kept < n) kept = Math.min(n, Math.max(multiple, Math.round(kept / multiple) * multiple));
  return Math.max(0, n - kept);
}

/** The `k` lowest-scoring channels, in index order (ties broken by index). */
export function lowestK(scores: Float64Array, k: number): number[] {
  if (k <= 0) return [];
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}
