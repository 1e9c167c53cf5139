/**
 * Per-group sensitivity (PaddleSlim's `sensitivity`): prune one group at a time by each
 * ratio, without fine-tuning, and measure how much the validation metric drops.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { emitProgress, InvalidArgumentError, type ProgressCallback } from '@modelkit/core';
import { applyPruning } from './apply-pruning';
import type { ChannelGraph } from './channel-graph';
import { lowestChannels } from './criteria';

/** Ratios of the sweep unless given: PaddleSlim's 0.1 … 0.7 in steps of 0.1. */
export const DEFAULT_SENSITIVITY_RATIOS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

/** One point of a group's sweep. */
export interface SensitivityPoint {
  ratio: number;
  /** Channels removed at this ratio. */
  removed: number;
  /** The metric of the model with only this group pruned. */
  metric: number;
  /** baseline − metric (e.g. accuracy points as a fraction); negative when pruning helped. */
  loss: number;
}

/** The sweep of one group. */
export interface GroupSensitivity {
  group: number;
  /** Producer layer names, to read the table. */
  layers: string[];
  channels: number;
  points: SensitivityPoint[];
}

/** Result of {@link measureSensitivity}. */
export interface SensitivityResult {
  /** Metric of the unpruned model. */
  baseline: number;
  groups: GroupSensitivity[];
}

/** Options of {@link measureSensitivity}. */
export interface SensitivityOptions {
  /** Higher-is-better metric of a model (e.g. validation accuracy). */
  evaluate: (model: tfl.LayersModel) => Promise<number>;
  /** Default {@link DEFAULT_SENSITIVITY_RATIOS}. */
  ratios?: readonly number[];
  /** Kept channels rounded to a multiple of this, as the plan will (see `lowestChannels`). Default 1. */
  channelMultiple?: number;
  /** Groups to sweep; default every prunable group. */
  groups?: readonly number[];
  /** One step per pruned model evaluated (task `prune sensitivity`, unit `items`). */
  onProgress?: ProgressCallback;
}

/**
 * Sweeps every prunable group of `graph` over the ratios with the channels `scores` ranks
 * lowest, evaluating each pruned model once. Costs groups × ratios evaluations.
 */
export async function measureSensitivity(graph: ChannelGraph, scores: readonly Float64Array[], options: SensitivityOptions): Promise<SensitivityResult> {
  const ratios = [...(options.ratios ?? DEFAULT_SENSITIVITY_RATIOS)].sort((a, b) => a - b);
  for (const r of ratios) if (!(r > 0 && r < 1)) throw new InvalidArgumentError(`sensitivity ratios must be in (0, 1), got ${r}`);
  const groups = (options.groups ?? graph.prunableGroups.map((g) => g.id)).map((id) => {
    const g = graph.groups[id];
    if (!g?.prunable) throw new InvalidArgumentError(`channel group ${id} is not prunable`);
    return g;
  });
  const baseline = await options.evaluate(graph.model);
  const total = groups.length * ratios.length;
  let done = 0;
  const result: SensitivityResult = { baseline, groups: [] };
  const task = 'prune sensitivity';
  emitProgress(options.onProgress, { task, phase: 'start', done: 0, total, unit: 'items' });
  try {
    for (const g of groups) {
      const points: SensitivityPoint[] = [];
      let last = -1;
      for (const ratio of ratios) {
        const remove = lowestChannels(scores[g.id]!, ratio, options.channelMultiple);
        if (remove.length === 0) {
          // Rounded to nothing removed (a small group, or a channel multiple): the model is the unpruned one.
          points.push({ ratio, removed: 0, metric: baseline, loss: 0 });
        } else if (remove.length === last) {
          // Several ratios rounded to the same channel count: one evaluation serves them.
          points.push({ ...points[points.length - 1]!, ratio });
        } else {
          const pruned = await applyPruning(graph.model, graph, [{ group: g.id, remove }]);
          let metric: number;
          try {
            metric = await options.evaluate(pruned);
          } finally {
            pruned.dispose();
          }
          points.push({ ratio, removed: remove.length, metric, loss: baseline - metric });
        }
        last = remove.length;
        emitProgress(options.onProgress, { task, phase: 'progress', done: ++done, total, unit: 'items', message: `group ${g.id} ratio ${ratio}` });
      }
      result.groups.push({ group: g.id, layers: g.producers.map((p) => p.layer), channels: g.size, points });
    }
  } finally {
    emitProgress(options.onProgress, { task, phase: 'end', done, total, unit: 'items' });
  }
  return result;
}
