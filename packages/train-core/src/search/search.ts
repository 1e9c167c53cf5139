/** The search loop: draws configs, runs trials through a scheduler, persists and resumes state. */
import { InvalidArgumentError } from '@modelkit/core';
import { SeededRng } from '../data/seeded-rng';
import { AshaScheduler, OneShotScheduler, rungBudgets, SuccessiveHalvingScheduler, trialId, type Better, type Scheduler, type TrialRequest } from './schedulers';
import { readSearchState, writeSearchState, type SearchStateFile } from './search-state';
import { gridConfigs, sampleConfig, type Config, type SearchSpace } from './space';
import type { Objective, SearchOptions, SearchResult, TrialRecord } from './types';

interface Budgets {
  max: number;
  rungs: number[];
  eta: number;
}

function resolveBudgets(options: SearchOptions): Budgets {
  const b = options.budget ?? 1;
  const max = typeof b === 'number' ? b : b.max;
  const eta = typeof b === 'number' ? 3 : (b.eta ?? 3);
  const min = typeof b === 'number' ? max / eta ** 2 : (b.min ?? max / eta ** 2);
  if (!(max > 0) || !(eta > 1) || !(min > 0 && min <= max)) {
    throw new InvalidArgumentError(`budget needs max > 0, eta > 1 and 0 < min <= max; got ${JSON.stringify(b)}`);
  }
  const multi = options.algorithm === 'successive-halving' || options.algorithm === 'asha';
  return { max, eta, rungs: multi ? rungBudgets(min, max, eta) : [max] };
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const value = v ?? fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(v)}`);
  return value;
}

/** The best trial at the largest budget reached. */
export function bestTrial(trials: readonly TrialRecord[], mode: 'max' | 'min'): TrialRecord | undefined {
  const better = betterFor(mode);
  const top = Math.max(...trials.map((t) => t.budget));
  let best: TrialRecord | undefined;
  for (const t of trials) if (t.budget === top && (best === undefined || better(t.metric, best.metric))) best = t;
  return best;
}

function betterFor(mode: 'max' | 'min'): Better {
  // NaN (a diverged run) loses against every number.
  return mode === 'max'
    ? (a, b) => !Number.isNaN(a) && (Number.isNaN(b) || a > b)
    : (a, b) => !Number.isNaN(a) && (Number.isNaN(b) || a < b);
}

/**
 * Hyper-parameter search over `space`: random or grid search, synchronous successive
 * halving, or ASHA. Each trial calls `objective(config, { budget, trialId, resumeFrom })`
 * — a Trainer run, or anything that returns `{ metric }`. With `statePath`, the state is
 * saved after every trial and a rerun skips finished trials (an interrupted search
 * continues where it stopped). A trial that throws stops the search with that error.
 */
export async function searchHyperparameters(space: SearchSpace, objective: Objective, options: SearchOptions): Promise<SearchResult> {
  const { algorithm, mode } = options;
  if (!['random', 'grid', 'successive-halving', 'asha'].includes(algorithm)) throw new InvalidArgumentError(`unknown search algorithm ${String(algorithm)}`);
  if (mode !== 'max' && mode !== 'min') throw new InvalidArgumentError(`mode must be 'max' or 'min', got ${String(mode)}`);
  if (Object.keys(space).length === 0) throw new InvalidArgumentError('the search space is empty');
  const budgets = resolveBudgets(options);
  const seed = options.seed ?? 0;
  const concurrency = positiveInt('concurrency', options.concurrency, 1);
  const better = betterFor(mode);

  let configs: Config[];
  if (algorithm === 'grid') {
    configs = gridConfigs(space, positiveInt('gridPoints', options.gridPoints, 5));
  } else {
    const rng = new SeededRng(seed);
    const random = (): number => rng.next();
    configs = Array.from({ length: positiveInt('trials', options.trials, 16) }, () => sampleConfig(space, random));
  }
  const scheduler: Scheduler =
    algorithm === 'asha' ? new AshaScheduler(configs.length, budgets.rungs, budgets.eta, better)
      : algorithm === 'successive-halving' ? new SuccessiveHalvingScheduler(configs.length, budgets.rungs, budgets.eta, better)
        : new OneShotScheduler(configs, budgets.max);

  const fingerprint = JSON.stringify({ algorithm, mode, seed, space, rungs: budgets.rungs, eta: budgets.eta, configs: configs.length, concurrency });
  const state: SearchStateFile = { version: 1, fingerprint, trials: [] };
  const saved = new Map<string, TrialRecord>();
  if (options.statePath) {
    const previous = await readSearchState(options.statePath, fingerprint);
    for (const t of previous?.trials ?? []) saved.set(t.trialId, t);
  }

  const trials: TrialRecord[] = [];
  let totalBudget = 0;
  let reused = 0;
  let failure: unknown;
  let persist = Promise.resolve();

  const finish = (request: TrialRequest, record: TrialRecord): void => {
    trials.push(record);
    totalBudget += record.budget;
    scheduler.report(request, record.metric);
    if (options.statePath) {
      state.trials = trials.slice();
      const path = options.statePath;
      // Serialised so an older snapshot never overwrites a newer one.
      persist = persist.then(() => writeSearchState(path, { ...state, trials: trials.slice() }));
    }
  };

  const runOne = async (request: TrialRequest): Promise<void> => {
    const id = trialId(request.configIndex, request.rung);
    const config = configs[request.configIndex];
    const old = saved.get(id);
    if (old) {
      if (JSON.stringify(old.config) !== JSON.stringify(config)) {
        throw new InvalidArgumentError(`search state has trial ${id} with another config; the state belongs to a different search`);
      }
      reused++;
      finish(request, old);
      return;
    }
    const started = Date.now();
    const outcome = await objective({ ...config }, {
      budget: request.budget,
      trialId: id,
      ...(request.resumeFrom ? { resumeFrom: request.resumeFrom, previousBudget: request.previousBudget } : {}),
    });
    if (typeof outcome?.metric !== 'number') throw new InvalidArgumentError(`trial ${id}: the objective must resolve to { metric: number }, got ${JSON.stringify(outcome)}`);
    const { metric, ...extra } = outcome;
    const record: TrialRecord = {
      trialId: id, configIndex: request.configIndex, config, rung: request.rung, budget: request.budget, metric, extra,
      durationMs: Date.now() - started, ...(request.resumeFrom ? { resumeFrom: request.resumeFrom } : {}),
    };
    finish(request, record);
    options.onTrial?.(record);
  };

  // A pool of `concurrency` workers polling the scheduler; a worker that gets 'wait'
  // sleeps until any running trial finishes.
  const running = new Set<Promise<void>>();
  for (;;) {
    if (failure !== undefined) break;
    const overBudget = options.maxTotalBudget !== undefined && totalBudget >= options.maxTotalBudget;
    const next = overBudget ? (running.size > 0 ? 'wait' : 'done') : running.size < concurrency ? scheduler.next() : 'wait';
    if (next === 'done') break;
    if (next === 'wait') {
      if (running.size === 0) break; // a scheduler waiting on nothing is finished
      await Promise.race(running);
      continue;
    }
    const p: Promise<void> = runOne(next)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  await persist;
  if (failure !== undefined) throw failure;
  const best = bestTrial(trials, mode);
  if (!best) throw new InvalidArgumentError('the search ran no trials');
  return { algorithm, mode, trials, best, totalBudget, reused };
}
