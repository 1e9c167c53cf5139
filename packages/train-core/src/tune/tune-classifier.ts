/**
 * Hyper-parameter search over `train classify` (PaddleHub's AutoDL Finetuner for image
 * classification): each trial is a {@link trainClassifier} run in its own folder, the
 * search engine (`searchHyperparameters`) picks configs and budgets, and the results go to
 * `tune_results.csv`, `best.json` and `tune_results.png`.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCodes, ImageError, InvalidArgumentError, isModelkitError, makeDirs, ModelkitError, type ErrorCode, type ProgressCallback } from '@modelkit/core';
import type { TrainBackend } from '../backend/select-backend';
import { checkPartialConfig, type PartialClassifyConfig } from '../classify/classify-config';
import { trainClassifier } from '../classify/train-classifier';
import { searchHyperparameters } from '../search/search';
import type { Config, SearchSpace } from '../search/space';
import type { TrialContext } from '../search/types';
import { copyTrialFolder, hasCheckpoint, lastLoggedAccuracy, readTrial, trialFolder, writeTrial, type TuneTrial } from './trial-store';
import { writeTunePlot } from './tune-plot';
import { TUNE_FILES, writeTuneResults } from './tune-results';
import { checkSameSettings, readTuneSettings, TUNE_SCHEDULERS, writeTuneSettings, type TuneScheduler, type TuneSettings } from './tune-settings';
import { checkTuneSpace, defaultTuneSpace } from './tune-space';

/** Settings fixed for every trial (the searched ones come from the space; `epochs` is the budget). */
export type TuneFixedSettings = Omit<PartialClassifyConfig, 'epochs'>;

/** Options of {@link tuneClassifier}. */
export interface TuneClassifierOptions extends TuneFixedSettings {
  /** Class-folder dataset, as for `train classify`. Validation accuracy on its split is the metric. */
  data: string;
  /** Output folder: `tune.json`, `trials/<id>/`, `tune_results.csv`, `best.json`, `tune_results.png`. */
  out: string;
  /** What to search (validated with `checkTuneSpace`); default `defaultTuneSpace(fixed settings)`. */
  space?: SearchSpace;
  /** Search strategy (default `asha`). */
  scheduler?: TuneScheduler;
  /** Configs to draw (ASHA, successive halving, random; grid search runs every grid point). Default 9. */
  trials?: number;
  /** Epochs of a fully trained trial: the top rung (ASHA, successive halving) or every trial. Default 9. */
  budget?: number;
  /** Epochs of the first rung (ASHA, successive halving). Default max(1, round(budget / eta²)). */
  minBudget?: number;
  /** Promotion ratio (ASHA, successive halving): the best 1/eta of a rung continue with eta× the epochs. Default 3. */
  eta?: number;
  /** Grid points per continuous parameter (grid search). Default 3. */
  gridPoints?: number;
  /**
   * Continue the search in `out`: finished trials are reused, the interrupted one resumes
   * from its checkpoint. The settings must be those it was started with (only `trials`,
   * `backend` and `threads` may change). Without it, an `out` holding a search is an error.
   */
  resume?: boolean;
  /** Force a tfjs backend (default: the fastest that loads). */
  backend?: TrainBackend;
  /** onnxruntime threads of the frozen-backbone feature pass (with `pretrained`). */
  threads?: number;
  /** Called when a trial starts (`number` counts trials started in this call, from 1). */
  onTrialStart?: (info: TuneTrialStart) => void;
  /** Called when a trial has finished, failed or was reused. */
  onTrial?: (trial: TuneTrial) => void;
  /** Training progress of the running trial. */
  onProgress?: ProgressCallback;
  /** One-line notes (backend, data, resume), e.g. to stderr. */
  onMessage?: (line: string) => void;
}

/** What {@link TuneClassifierOptions.onTrialStart} gets. */
export interface TuneTrialStart {
  trialId: string;
  number: number;
  config: Config;
  epochs: number;
  /** Previous rung continued by a promotion. */
  resumeFrom?: string;
  /** True when this trial was interrupted earlier and continues from its checkpoint. */
  resuming: boolean;
}

/** What {@link tuneClassifier} found. JSON-serialisable (`--json` prints it). */
export interface TuneSummary {
  task: 'classify';
  data: string;
  out: string;
  scheduler: TuneScheduler;
  budget: number;
  minBudget: number;
  eta: number;
  seed: number;
  space: SearchSpace;
  fixed: TuneFixedSettings;
  /** Every trial in the order it finished (reused ones included). */
  trials: TuneTrial[];
  /** Highest validation accuracy of any trial. */
  best: TuneTrial;
  classNames: string[];
  /** Trials taken over from an earlier run of this search. */
  reused: number;
  /** Epochs the search cost: every trial's, a promotion counting only the epochs it added. */
  totalEpochs: number;
  seconds: number;
  files: { results: string; best: string; plot: string; settings: string; trials: string };
}

function positiveInt(flag: string, v: number | undefined, fallback: number, min = 1): number {
  const value = v ?? fallback;
  if (!(Number.isInteger(value) && value >= min)) throw new ModelkitError(ErrorCodes.USAGE, `${flag} must be an integer >= ${min}, got ${String(v)}`);
  return value;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Settings of the run as the user gave them, validated; `epochs` is never fixed (it is the budget). */
function fixedSettings(o: TuneClassifierOptions): TuneFixedSettings {
  const given: TuneFixedSettings = {
    model: o.model, pretrained: o.pretrained, headEpochs: o.headEpochs, unfreeze: o.unfreeze, backboneLrScale: o.backboneLrScale,
    size: o.size, batchSize: o.batchSize, lr: o.lr, optimizer: o.optimizer, augment: o.augment, seed: o.seed, valSplit: o.valSplit,
  };
  const checked = defined(checkPartialConfig(given));
  if (checked.pretrained === 'none') delete checked.pretrained;
  if (checked.valSplit === 0) throw new ModelkitError(ErrorCodes.USAGE, 'tune classify: --val-split 0 leaves no validation images to score trials on');
  if (checked.pretrained !== undefined && checked.model !== undefined) {
    throw new ModelkitError(ErrorCodes.USAGE, `--model ${checked.model} and --backbone ${checked.pretrained} exclude each other: the backbone is the model`);
  }
  return checked;
}

/**
 * Searches `train classify` settings on a class-folder dataset, scoring each trial by its
 * validation accuracy after the last epoch. Every trial trains in `out/trials/<id>/` (a
 * complete `train classify` output with `model.onnx`); ASHA and successive halving promote
 * the best trials by continuing their checkpoints with more epochs. After each trial
 * `tune_results.csv`, `best.json` and `tune_results.png` are rewritten, so a killed search
 * leaves them consistent; `resume` continues it without rerunning finished trials.
 *
 * @throws ImageError `E_FILE_NOT_FOUND` when `data` is not a folder; ModelkitError `E_USAGE`
 *   for bad settings or a space that does not fit (`checkTuneSpace`); InvalidArgumentError
 *   when `out` holds a search and `resume` is not set, or a resume's settings differ; any
 *   error of `trainClassifier` except `E_OUT_OF_MEMORY`, which fails only its trial.
 */
export async function tuneClassifier(options: TuneClassifierOptions): Promise<TuneSummary> {
  const t0 = performance.now();
  const say = options.onMessage ?? (() => undefined);
  const out = resolve(options.out);
  const data = resolve(options.data);
  const fixed = fixedSettings(options);
  const scheduler = options.scheduler ?? 'asha';
  if (!(TUNE_SCHEDULERS as readonly string[]).includes(scheduler)) {
    throw new ModelkitError(ErrorCodes.USAGE, `--scheduler must be one of ${TUNE_SCHEDULERS.join(', ')}; got ${String(scheduler)}`);
  }
  const trials = positiveInt('--trials', options.trials, 9);
  const budget = positiveInt('--budget', options.budget, 9);
  const eta = positiveInt('--eta', options.eta, 3, 2);
  const minBudget = positiveInt('--min-budget', options.minBudget, Math.max(1, Math.round(budget / eta ** 2)));
  if (minBudget > budget) throw new ModelkitError(ErrorCodes.USAGE, `--min-budget ${minBudget} is more than --budget ${budget}`);
  const gridPoints = positiveInt('--grid-points', options.gridPoints, 3);
  const seed = fixed.seed ?? 0;
  delete fixed.seed; // kept as `seed`, so a resume with --seed 0 matches a run without --seed
  const space = options.space ?? defaultTuneSpace(fixed);
  checkTuneSpace(space, fixed, options.space ? 'search space' : 'default search space');
  if (!(await stat(data).then((st) => st.isDirectory(), () => false))) {
    throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `--data ${data} is not a folder`, { details: { file: data } });
  }

  await makeDirs(out);
  const settings: TuneSettings = { version: 1, task: 'classify', data, scheduler, budget, minBudget, eta, gridPoints, seed, space, fixed };
  const saved = await readTuneSettings(out);
  if (saved && !options.resume) {
    throw new InvalidArgumentError(`${out} already holds a search; pass --resume to continue it (finished trials are kept) or choose another --out`, { details: { out } });
  }
  if (saved) checkSameSettings(saved, settings, out);
  else if (options.resume) say(`nothing to resume in ${out}: starting a new search`);
  await writeTuneSettings(out, settings);

  const done: TuneTrial[] = [];
  let started = 0;
  let reused = 0;
  let classNames: string[] = [];
  const shown = new Set<string>();
  // The backend and data lines are the same for every trial: print them once.
  const note = (line: string): void => {
    const key = /^(backend|data): /.test(line) ? line : undefined;
    if (key !== undefined && shown.has(key)) return;
    if (key !== undefined) shown.add(key);
    say(line);
  };

  const record = async (trial: TuneTrial): Promise<number> => {
    done.push(trial);
    if (trial.classNames?.length) classNames = trial.classNames;
    const best = await writeTuneResults(out, done);
    await writeTunePlot(join(out, TUNE_FILES.plot), done, { best, classes: classNames.length || undefined, title: plotTitle(scheduler, done.length) });
    options.onTrial?.(trial);
    return trial.metric ?? Number.NaN;
  };

  const objective = async (config: Config, ctx: TrialContext): Promise<{ metric: number }> => {
    const folder = trialFolder(out, ctx.trialId);
    const [, configIndex, rung] = (/^c(\d+)-r(\d+)$/.exec(ctx.trialId) ?? []).map(Number) as [number, number, number];
    const base = { trialId: ctx.trialId, configIndex, rung, config, epochs: ctx.budget, folder, ...(ctx.resumeFrom ? { resumeFrom: ctx.resumeFrom } : {}) };
    const previous = await readTrial(folder);
    const same = previous !== undefined && JSON.stringify(previous.config) === JSON.stringify(config) && previous.epochs === ctx.budget;
    if (previous && !same) {
      throw new InvalidArgumentError(`${folder} holds trial ${ctx.trialId} with other settings; the trials folder belongs to a different search: use another --out`, {
        details: { folder },
      });
    }
    if (previous && previous.status !== 'running') {
      reused++;
      return { metric: await record({ ...previous, folder, status: 'reused' }) };
    }
    // A promotion starts from a copy of the previous rung's run (unless an interrupted attempt already made it).
    if (ctx.resumeFrom && !previous) await copyTrialFolder(trialFolder(out, ctx.resumeFrom), folder);
    await makeDirs(folder);
    const resuming = previous?.status === 'running';
    started++;
    options.onTrialStart?.({ trialId: ctx.trialId, number: started, config, epochs: ctx.budget, resumeFrom: ctx.resumeFrom, resuming });
    await writeTrial(folder, { ...base, metric: null, seconds: 0, status: 'running' });
    const t = performance.now();
    try {
      const summary = await trainClassifier({
        ...fixed,
        ...(config as PartialClassifyConfig),
        epochs: ctx.budget,
        seed,
        data,
        out: folder,
        resume: await hasCheckpoint(folder),
        backend: options.backend,
        threads: options.threads,
        onProgress: options.onProgress,
        onMessage: note,
      });
      const metric = summary.lastValAccuracy ?? (await lastLoggedAccuracy(folder));
      if (metric === undefined) throw new InvalidArgumentError(`trial ${ctx.trialId} has no validation accuracy (no validation images?)`);
      const trial: TuneTrial = {
        ...base, metric, seconds: (performance.now() - t) / 1000, status: resuming ? 'resumed' : 'ok',
        settings: summary.config, classNames: summary.classNames, valImages: summary.valImages, steps: summary.steps,
      };
      await writeTrial(folder, trial);
      return { metric: await record(trial) };
    } catch (err) {
      if (!isModelkitError(err, ErrorCodes.OUT_OF_MEMORY)) throw err;
      const trial: TuneTrial = { ...base, metric: null, seconds: (performance.now() - t) / 1000, status: 'failed', error: { code: err.code, message: err.message } };
      say(`trial ${ctx.trialId} failed: ${err.code}: ${err.message}`);
      await writeTrial(folder, trial);
      return { metric: await record(trial) };
    }
  };

  const multi = scheduler === 'asha' || scheduler === 'successive-halving';
  await searchHyperparameters(space, objective, {
    algorithm: scheduler,
    mode: 'max',
    trials,
    gridPoints,
    budget: multi ? { min: minBudget, max: budget, eta } : budget,
    seed,
  });
  const best = await writeTuneResults(out, done);
  if (!best) {
    const first = done.find((t) => t.error)?.error;
    throw new ModelkitError((first?.code as ErrorCode | undefined) ?? ErrorCodes.OUT_OF_MEMORY, `every trial failed${first ? `: ${first.message}` : ''}`, { details: { out } });
  }
  // A promotion continues the previous rung's run: it costs only the epochs it adds.
  const epochsOf = new Map(done.map((t) => [t.trialId, t.epochs]));
  const totalEpochs = done.reduce((sum, t) => sum + t.epochs - (t.resumeFrom ? (epochsOf.get(t.resumeFrom) ?? 0) : 0), 0);
  return {
    task: 'classify', data, out, scheduler, budget, minBudget, eta, seed, space, fixed,
    trials: done, best, classNames, reused, totalEpochs,
    seconds: (performance.now() - t0) / 1000,
    files: {
      results: join(out, TUNE_FILES.results),
      best: join(out, TUNE_FILES.best),
      plot: join(out, TUNE_FILES.plot),
      settings: join(out, TUNE_FILES.settings),
      trials: join(out, 'trials'),
    },
  };
}

function plotTitle(scheduler: TuneScheduler, n: number): string {
  return `tune classify (${scheduler}): validation accuracy of ${n} trial${n === 1 ? '' : 's'}`;
}
