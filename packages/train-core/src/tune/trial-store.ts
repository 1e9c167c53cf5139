/**
 * One folder per trial, `OUT/trials/<trialId>/`: the `train classify` run of that trial
 * (config.json, checkpoints, log, model.onnx) plus `trial.json`, which says whether the
 * trial is running, finished or failed. A rerun reads it to skip finished trials and to
 * resume the interrupted one from its checkpoint.
 */
import { access, cp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@modelkit/core';
import type { ClassifyConfig } from '../classify/classify-config';
import { parseTrainingLog } from '../trainer/training-log';
import type { Config } from '../search/space';

/** How a trial ended (`reused`: finished by an earlier run of the same search, not rerun). */
export type TuneTrialStatus = 'ok' | 'resumed' | 'reused' | 'failed';

/** One trial of a search: a config trained for `epochs`. JSON-serialisable. */
export interface TuneTrial {
  /** `c<config>-r<rung>`, e.g. `c003-r1`: config 3 at its first promotion. */
  trialId: string;
  configIndex: number;
  /** 0 for a first evaluation; k for the k-th promotion (ASHA, successive halving). */
  rung: number;
  /** The searched settings of this trial. */
  config: Config;
  /** Epochs trained in total, the trial's budget (a promotion continues the previous rung's run). */
  epochs: number;
  /** The trial whose checkpoint this one continued (a promotion). */
  resumeFrom?: string;
  /** Validation accuracy after the last epoch; null when the trial failed. */
  metric: number | null;
  /** Wall time of the trial (for `resumed`: of the part run after the interruption). */
  seconds: number;
  status: TuneTrialStatus;
  /** Why a `failed` trial failed (e.g. `E_OUT_OF_MEMORY`). */
  error?: { code: string; message: string };
  /** The trial's `train classify` output folder. */
  folder: string;
  /** Every setting of the run (searched and fixed), as in its `config.json`. */
  settings?: ClassifyConfig;
  classNames?: string[];
  valImages?: number;
  steps?: number;
}

/** `trial.json`: a trial in progress (`running`) or its final record. */
type StoredTrial = Omit<TuneTrial, 'status'> & { status: TuneTrialStatus | 'running' };

const TRIAL_FILE = 'trial.json';

/** The folder of a trial. */
export function trialFolder(out: string, trialId: string): string {
  return join(out, 'trials', trialId);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** True when the folder holds a `train classify` checkpoint to resume from. */
export async function hasCheckpoint(folder: string): Promise<boolean> {
  return (await exists(join(folder, 'last', 'manifest.json'))) || (await exists(join(folder, 'head', 'last', 'manifest.json')));
}

/** The trial's `trial.json`, or undefined when absent or unreadable (a kill mid-write cannot happen: it is written atomically). */
export async function readTrial(folder: string): Promise<StoredTrial | undefined> {
  try {
    return JSON.parse(await readFile(join(folder, TRIAL_FILE), 'utf8')) as StoredTrial;
  } catch {
    return undefined;
  }
}

/** Writes `trial.json` atomically. */
export async function writeTrial(folder: string, trial: StoredTrial): Promise<void> {
  await writeFileAtomic(join(folder, TRIAL_FILE), `${JSON.stringify(trial, null, 2)}\n`);
}

/**
 * Starts a promoted trial from a copy of the previous rung's folder (its checkpoint, log,
 * config). Copied to a temporary sibling and renamed, so a kill mid-copy leaves no
 * half-copied trial.
 */
export async function copyTrialFolder(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(from, tmp, { recursive: true, filter: (src) => !src.endsWith(TRIAL_FILE) });
  await rename(tmp, to);
}

/** Validation accuracy of the last evaluation in the run's log (a resume that had nothing left to train evaluates nothing). */
export async function lastLoggedAccuracy(folder: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, 'train.log.jsonl'), 'utf8');
  } catch {
    return undefined;
  }
  const evals = parseTrainingLog(text).filter((r) => r.type === 'eval' && typeof r.values.acc === 'number');
  return evals.length ? (evals[evals.length - 1]!.values.acc as number) : undefined;
}
