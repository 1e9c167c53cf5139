/** The results of a search as a printable text table and as plain JSON. */
import type { SearchResult } from './types';

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
  return String(v);
}

/**
 * A fixed-width table, one row per trial sorted best first (by rung, then metric); the
 * best trial is marked `*`. `limit` keeps the first rows only.
 */
export function formatResultsTable(result: SearchResult, options: { limit?: number } = {}): string {
  const keys = Object.keys(result.trials[0]?.config ?? {});
  const sign = result.mode === 'max' ? -1 : 1;
  const rows = result.trials
    .slice()
    .sort((a, b) => b.budget - a.budget || sign * ((Number.isNaN(a.metric) ? Infinity : a.metric) - (Number.isNaN(b.metric) ? Infinity : b.metric)) || 0)
    .slice(0, options.limit ?? result.trials.length)
    .map((t) => [t === result.best ? '*' : '', t.trialId, show(t.budget), show(t.metric), ...keys.map((k) => show(t.config[k]))]);
  const header = ['', 'trial', 'budget', 'metric', ...keys];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const summary = `${result.algorithm} (${result.mode}): ${result.trials.length} trials, total budget ${show(result.totalBudget)}, best ${result.best.trialId} metric ${show(result.best.metric)}`;
  return [summary, line(header), ...rows.map(line)].join('\n');
}

/** A JSON-safe summary: best trial, totals, every trial. */
export function resultsToJson(result: SearchResult): Record<string, unknown> {
  return {
    algorithm: result.algorithm,
    mode: result.mode,
    best: { trialId: result.best.trialId, config: result.best.config, metric: result.best.metric, budget: result.best.budget },
    totalBudget: result.totalBudget,
    reused: result.reused,
    trials: result.trials,
  };
}
