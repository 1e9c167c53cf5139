/** The result files of a search: `tune_results.csv`, `best.json`, and the printed table. */
import { join } from 'node:path';
import { writeFileAtomic } from '@modelkit/core';
import type { TuneTrial } from './trial-store';

/** File names written into `--out`. */
export const TUNE_FILES = { results: 'tune_results.csv', best: 'best.json', plot: 'tune_results.png', settings: 'tune.json' } as const;

/**
 * The best trial: the highest validation accuracy of any finished trial (each trial's
 * folder holds its own exported model, so a shorter trial that scored higher is the better
 * model); ties go to more epochs, then the earlier trial.
 */
function bestTuneTrial(trials: readonly TuneTrial[]): TuneTrial | undefined {
  let best: TuneTrial | undefined;
  for (const t of trials) {
    if (t.metric === null) continue;
    if (!best || t.metric > best.metric! || (t.metric === best.metric && t.epochs > best.epochs)) best = t;
  }
  return best;
}

/** Parameter columns: every searched key, sorted. */
function paramKeys(trials: readonly TuneTrial[]): string[] {
  return [...new Set(trials.flatMap((t) => Object.keys(t.config)))].sort();
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `tune_results.csv`: one row per trial in the order they finished. */
function tuneResultsCsv(trials: readonly TuneTrial[]): string {
  const keys = paramKeys(trials);
  const header = ['trial', 'config', 'rung', 'resumed_from', ...keys, 'epochs', 'val_accuracy', 'seconds', 'status', 'folder'];
  const rows = trials.map((t) => [
    t.trialId, t.configIndex, t.rung, t.resumeFrom ?? '', ...keys.map((k) => t.config[k]), t.epochs, t.metric ?? '', t.seconds.toFixed(2), t.status, t.folder,
  ]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** `best.json`: the best configuration, its metric and where its model is. */
function bestJson(best: TuneTrial): Record<string, unknown> {
  return {
    trial: best.trialId,
    metric: 'val_accuracy',
    value: best.metric,
    epochs: best.epochs,
    config: best.config,
    settings: best.settings,
    folder: best.folder,
    model: join(best.folder, 'model.onnx'),
  };
}

/** Writes the CSV and, once a trial finished, `best.json` (both atomically). */
export async function writeTuneResults(out: string, trials: readonly TuneTrial[]): Promise<TuneTrial | undefined> {
  await writeFileAtomic(join(out, TUNE_FILES.results), tuneResultsCsv(trials));
  const best = bestTuneTrial(trials);
  if (best) await writeFileAtomic(join(out, TUNE_FILES.best), `${JSON.stringify(bestJson(best), null, 2)}\n`);
  return best;
}

/** A value for the table: 4 significant digits for fractions, as is otherwise. */
export function showValue(v: unknown): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

/** The trials as a fixed-width text table (completion order), best marked `*`. */
export function formatTuneTable(trials: readonly TuneTrial[], best: TuneTrial | undefined): string {
  const keys = paramKeys(trials);
  const header = ['', 'trial', ...keys, 'epochs', 'val_acc', 'seconds', 'status'];
  const rows = trials.map((t) => [
    t === best ? '*' : '',
    t.trialId,
    ...keys.map((k) => showValue(t.config[k])),
    String(t.epochs),
    t.metric === null ? '-' : `${(t.metric * 100).toFixed(1)}%`,
    t.seconds.toFixed(1),
    t.status + (t.resumeFrom ? ` (from ${t.resumeFrom})` : ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
