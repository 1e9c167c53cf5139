/**
 * Per-group pruning ratios that reach a FLOPs target: one ratio for every group (the
 * baseline), or PaddleSlim's sensitivity-based choice (`get_ratios_by_loss` under a
 * bisection on the allowed loss) that prunes the groups whose accuracy suffers least.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { ChannelGraph, PruneSelection } from './channel-graph';
import { lowestK, removalCount } from './criteria';
import type { SensitivityResult } from './sensitivity';

/** How ratios are chosen. */
export const PRUNE_METHODS = ['sensitivity', 'uniform'] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

/** A pruning plan: ratio per group, the channels it removes and what it costs. */
export interface PrunePlan {
  method: PruneMethod;
  /** Removed fraction of every prunable group that loses channels (removed / size), by group id. */
  ratios: Record<number, number>;
  /** `uniform`: the one ratio asked of every group (the kept counts round it per group). */
  uniformRatio?: number;
  selection: PruneSelection;
  /** FLOPs and parameters before and after. */
  before: { flops: number; params: number };
  after: { flops: number; params: number };
  /** Kept FLOPs fraction asked for. */
  target: number;
  /** after.flops / before.flops. */
  flopsRatio: number;
  /** False when even the largest allowed ratios cannot reach the target (the plan is then the most that is allowed). */
  reached: boolean;
  /** Sensitivity plans: the loss threshold of the bisection (before the refinement). */
  lossThreshold?: number;
}

/** Options of the planners. */
export interface PlanOptions {
  /** Kept channels of every group rounded to a multiple of this (see `lowestChannels`). Default 1. */
  channelMultiple?: number;
}

/** Checks a kept-FLOPs fraction. */
export function checkFlopsTarget(flops: number): number {
  if (!(typeof flops === 'number' && flops > 0 && flops < 1)) {
    throw new InvalidArgumentError(`the FLOPs target is the fraction of FLOPs to keep, in (0, 1), e.g. 0.5; got ${String(flops)}`, { details: { flops } });
  }
  return flops;
}

/** Channels removed per group, by group id. */
type Counts = Record<number, number>;

function countsFor(graph: ChannelGraph, ratios: Record<number, number>, multiple: number): Counts {
  return Object.fromEntries(Object.entries(ratios).map(([g, r]) => [Number(g), r > 0 ? removalCount(graph.groups[Number(g)]!.size, r, multiple) : 0]));
}

function selectionOf(scores: readonly Float64Array[], counts: Counts): PruneSelection {
  return Object.entries(counts)
    .filter(([, k]) => k > 0)
    .map(([g, k]) => ({ group: Number(g), remove: lowestK(scores[Number(g)]!, k) }));
}

/** The selection for per-group ratios (the `round(ratio · size)` lowest-scoring channels of each). */
export function selectionFor(graph: ChannelGraph, scores: readonly Float64Array[], ratios: Record<number, number>, options: PlanOptions = {}): PruneSelection {
  for (const g of Object.keys(ratios)) if (!graph.groups[Number(g)]?.prunable) throw new InvalidArgumentError(`channel group ${g} is not prunable`);
  return selectionOf(scores, countsFor(graph, ratios, options.channelMultiple ?? 1));
}

function finish(graph: ChannelGraph, scores: readonly Float64Array[], method: PruneMethod, target: number, counts: Counts, extra: Partial<PrunePlan> = {}): PrunePlan {
  const selection = selectionOf(scores, counts);
  const before = graph.cost();
  const after = graph.cost(selection);
  const flopsRatio = after.flops / before.flops;
  const ratios = Object.fromEntries(Object.entries(counts).filter(([, k]) => k > 0).map(([g, k]) => [Number(g), k / graph.groups[Number(g)]!.size]));
  return { method, ratios, selection, before, after, target, flopsRatio, reached: flopsRatio <= target + 1e-12, ...extra };
}

/**
 * Bisection for the smallest `x` in [0, 1] whose counts `at(x)` keep at most `target` of
 * the FLOPs (FLOPs fall as x grows): `hi` reaches the target, `lo` (just below) does not,
 * unless `lo` is 0. `hi` is 1 and `reached` false when even x = 1 does not reach it.
 */
function smallestReaching(graph: ChannelGraph, scores: readonly Float64Array[], target: number, at: (x: number) => Counts): { lo: number; hi: number; reached: boolean } {
  const base = graph.cost().flops;
  const ok = (x: number): boolean => graph.cost(selectionOf(scores, at(x))).flops <= target * base;
  if (!ok(1)) return { lo: 1, hi: 1, reached: false };
  let lo = 0;
  let hi = 1;
  // Channel counts are integers, so 30 halvings find the step exactly for any realistic group size.
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return { lo, hi, reached: true };
}

/**
 * One ratio for every prunable group, the smallest that keeps at most `target` of the FLOPs
 * (`maxRatio` at most, default 0.9).
 */
export function planUniform(graph: ChannelGraph, scores: readonly Float64Array[], target: number, options: PlanOptions & { maxRatio?: number } = {}): PrunePlan {
  checkFlopsTarget(target);
  const maxRatio = options.maxRatio ?? 0.9;
  const multiple = options.channelMultiple ?? 1;
  const ids = graph.prunableGroups.map((g) => g.id);
  const ratiosAt = (x: number): Record<number, number> => Object.fromEntries(ids.map((id) => [id, x * maxRatio]));
  const x = smallestReaching(graph, scores, target, (v) => countsFor(graph, ratiosAt(v), multiple)).hi;
  return finish(graph, scores, 'uniform', target, countsFor(graph, ratiosAt(x), multiple), { uniformRatio: x * maxRatio });
}

/** A group's sweep as a non-decreasing piecewise-linear loss curve from (0, 0). */
interface Curve {
  group: number;
  ratios: number[];
  losses: number[];
}

/**
 * The curve is made non-decreasing: on a small validation set a larger ratio can score
 * better by chance, and such a dip must not let a group be pruned past a ratio that
 * measured worse.
 */
function curveOf(points: readonly { ratio: number; loss: number }[], group: number): Curve {
  const ratios = [0];
  const losses = [0];
  for (const p of [...points].sort((a, b) => a.ratio - b.ratio)) {
    ratios.push(p.ratio);
    losses.push(Math.max(losses[losses.length - 1]!, p.loss));
  }
  return { group, ratios, losses };
}

/** The largest ratio whose loss stays within `threshold`. */
function ratioWithin(c: Curve, threshold: number): number {
  for (let i = 1; i < c.ratios.length; i++) {
    const l0 = c.losses[i - 1]!;
    const l1 = c.losses[i]!;
    if (l1 > threshold) return c.ratios[i - 1]! + ((threshold - l0) / (l1 - l0)) * (c.ratios[i]! - c.ratios[i - 1]!);
  }
  return c.ratios[c.ratios.length - 1]!;
}

/** The loss of a curve at `ratio` (linear between the measured points). */
function lossAt(c: Curve, ratio: number): number {
  for (let i = 1; i < c.ratios.length; i++) {
    if (ratio <= c.ratios[i]!) return c.losses[i - 1]! + ((ratio - c.ratios[i - 1]!) / (c.ratios[i]! - c.ratios[i - 1]!)) * (c.losses[i]! - c.losses[i - 1]!);
  }
  return c.losses[c.losses.length - 1]!;
}

/**
 * Per-group ratios from a sensitivity sweep: PaddleSlim's `get_ratios_by_loss` (every group
 * pruned as far as its curve stays within one loss threshold) with the threshold bisected to
 * the smallest that reaches `target`. Then, because channel counts move in steps (one channel,
 * or `channelMultiple`), the last step usually overshoots the target: the ratios are blended
 * between that threshold and the one below, and finally channels are given back, a step at a
 * time and to the group whose curve hurts most at its ratio first, while the target still
 * holds. Groups without a sweep stay unpruned; ratios never exceed the sweep's largest.
 */
export function planBySensitivity(graph: ChannelGraph, scores: readonly Float64Array[], sensitivity: SensitivityResult, target: number, options: PlanOptions = {}): PrunePlan {
  checkFlopsTarget(target);
  const multiple = options.channelMultiple ?? 1;
  const curves = sensitivity.groups.filter((s) => graph.groups[s.group]?.prunable).map((s) => curveOf(s.points, s.group));
  if (curves.length === 0) throw new InvalidArgumentError('the sensitivity result has no prunable group of this model');
  const maxLoss = Math.max(0, ...curves.flatMap((c) => c.losses));
  // Threshold t in [-ε, maxLoss]: below 0 nothing is pruned.
  const span = maxLoss + 1e-9;
  const thresholdAt = (x: number): number => x * span - 1e-9;
  const ratiosAt = (t: number): Record<number, number> => Object.fromEntries(curves.map((c) => [c.group, t < 0 ? 0 : ratioWithin(c, t)]));
  const { lo: xLo, hi: xHi, reached } = smallestReaching(graph, scores, target, (v) => countsFor(graph, ratiosAt(thresholdAt(v)), multiple));
  const lossThreshold = thresholdAt(xHi);
  const hi = ratiosAt(lossThreshold);
  if (!reached) return finish(graph, scores, 'sensitivity', target, countsFor(graph, hi, multiple), { lossThreshold });
  const lo = ratiosAt(thresholdAt(xLo));
  const blend = (l: number): Record<number, number> => Object.fromEntries(curves.map((c) => [c.group, lo[c.group]! + l * (hi[c.group]! - lo[c.group]!)]));
  const counts = countsFor(graph, blend(smallestReaching(graph, scores, target, (l) => countsFor(graph, blend(l), multiple)).hi), multiple);

  // Give channels back while the target holds: most sensitive group (at its ratio) first.
  const base = graph.cost().flops;
  for (;;) {
    let best: { group: number; k: number; loss: number; flops: number } | undefined;
    for (const c of curves) {
      const n = graph.groups[c.group]!.size;
      const k = counts[c.group]!;
      if (k === 0) continue;
      // One step back: `multiple` more kept channels (or all of them when that passes the size).
      const kept = n - k + multiple;
      const next = kept >= n ? 0 : n - kept;
      const flops = graph.cost(selectionOf(scores, { ...counts, [c.group]: next })).flops;
      if (flops > target * base) continue;
      const loss = lossAt(c, k / n);
      // Equal losses (flat curves): the step that uses the most of the budget.
      if (!best || loss > best.loss || (loss === best.loss && flops > best.flops)) best = { group: c.group, k: next, loss, flops };
    }
    if (!best) break;
    counts[best.group] = best.k;
  }
  return finish(graph, scores, 'sensitivity', target, counts, { lossThreshold });
}
