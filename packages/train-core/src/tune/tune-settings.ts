/**
 * `OUT/tune.json`: the settings that decide which trials a search runs and what they
 * train. A rerun with `resume` must have the same ones (only the number of trials, the
 * backend and threads may change), so finished trials can be reused as they are.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, writeFileAtomic } from '@modelkit/core';
import type { PartialClassifyConfig } from '../classify/classify-config';
import type { SearchSpace } from '../search/space';

/** Search strategies of `tune classify` (the engine's algorithms). */
export const TUNE_SCHEDULERS = ['asha', 'successive-halving', 'random', 'grid'] as const;

/** A search strategy of `tune classify`. */
export type TuneScheduler = (typeof TUNE_SCHEDULERS)[number];

/** What `tune.json` holds. */
export interface TuneSettings {
  version: 1;
  task: 'classify';
  data: string;
  scheduler: TuneScheduler;
  /** Epochs of the largest rung (every trial's with random and grid search). */
  budget: number;
  /** Epochs of the first rung (ASHA, successive halving). */
  minBudget: number;
  /** Promotion ratio: the best 1/eta of a rung go on with eta× the epochs. */
  eta: number;
  /** Grid points per continuous parameter (grid search). */
  gridPoints: number;
  seed: number;
  space: SearchSpace;
  /** Settings fixed for every trial. */
  fixed: PartialClassifyConfig;
}

const SETTINGS_FILE = 'tune.json';

/** The saved settings of the search in `out`, or undefined when there is none. */
export async function readTuneSettings(out: string): Promise<TuneSettings | undefined> {
  const file = join(out, SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as TuneSettings;
    if (s.version !== 1 || typeof s.space !== 'object') throw new Error('not a version 1 tune.json');
    return s;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not a modelkit tune settings file`, { cause: err, details: { file } });
  }
}

/** Writes `tune.json` atomically. */
export async function writeTuneSettings(out: string, settings: TuneSettings): Promise<void> {
  await writeFileAtomic(join(out, SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

/** Key-order-independent JSON, for comparing settings. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Checks that a resumed search has the saved settings.
 *
 * @throws InvalidArgumentError naming every setting that differs.
 */
export function checkSameSettings(saved: TuneSettings, given: TuneSettings, out: string): void {
  const keys = ['data', 'scheduler', 'budget', 'minBudget', 'eta', 'gridPoints', 'seed', 'space', 'fixed'] as const;
  const differ = keys.filter((k) => canonical(saved[k]) !== canonical(given[k]));
  if (differ.length > 0) {
    throw new InvalidArgumentError(
      `--resume: the search in ${out} was started with other settings (${differ.map((k) => `${k}: ${canonical(saved[k])} -> ${canonical(given[k])}`).join('; ')}); ` +
        'rerun it with the same flags and space (only --trials may change) or use another --out',
      { details: { out, differ } },
    );
  }
}
