/** Types of the hyper-parameter search API. */
import type { Config } from './space';

/** What a trial is asked to do. */
export interface TrialContext {
  /** Training budget of this trial (epochs, steps, ... — the unit is the objective's). */
  budget: number;
  /** Stable id, e.g. `c003-r1` (config 3 at rung 1); use it to name checkpoints. */
  trialId: string;
  /**
   * For a promoted trial (successive halving / ASHA), the id of the same config's trial
   * at the previous rung: an objective that checkpoints by trial id can continue from
   * there and train only `budget - previousBudget` more.
   */
  resumeFrom?: string;
  /** Budget of the `resumeFrom` trial. */
  previousBudget?: number;
}

/** What a trial reports: the metric to optimise, and anything else worth keeping (JSON-safe). */
export interface TrialOutcome {
  metric: number;
  [key: string]: unknown;
}

/** A trial's objective: trains/evaluates `config` within `context.budget`. */
export type Objective = (config: Config, context: TrialContext) => Promise<TrialOutcome>;

/** Search strategies. */
export type SearchAlgorithm = 'random' | 'grid' | 'successive-halving' | 'asha';

/** One finished trial. */
export interface TrialRecord {
  trialId: string;
  /** Index of the config among those the search drew (grid order or sampling order). */
  configIndex: number;
  config: Config;
  /** 0 for a first evaluation; k for the k-th promotion. */
  rung: number;
  budget: number;
  metric: number;
  /** The objective's outcome minus `metric`. */
  extra: Record<string, unknown>;
  durationMs: number;
  resumeFrom?: string;
}

/** Options of {@link searchHyperparameters}. */
export interface SearchOptions {
  algorithm: SearchAlgorithm;
  /** Whether a larger metric is better. */
  mode: 'max' | 'min';
  /** Configs to draw (random, successive halving, ASHA): the trial budget. Default 16. */
  trials?: number;
  /** Grid points per continuous param (grid search). Default 5. */
  gridPoints?: number;
  /**
   * Per-trial budget. A number is the budget of every trial (random, grid). For successive
   * halving / ASHA, rungs get `min · eta^k` up to `max` (default `eta` 3, `min` max/eta²).
   */
  budget?: number | { min?: number; max: number; eta?: number };
  /** Stop starting trials once the summed budget of finished trials reaches this. */
  maxTotalBudget?: number;
  /** Seed of the config sampler. Default 0. */
  seed?: number;
  /** Trials run at once (ASHA promotes asynchronously; others just run in parallel). Default 1. */
  concurrency?: number;
  /**
   * JSON file holding the search state, rewritten atomically after every trial. A rerun with
   * the same space and options reuses its finished trials instead of running them again.
   */
  statePath?: string;
  /** Called after each finished trial (not for trials reused from `statePath`). */
  onTrial?: (trial: TrialRecord) => void;
}

/** What a search found. */
export interface SearchResult {
  algorithm: SearchAlgorithm;
  mode: 'max' | 'min';
  /** Every finished trial in completion order (reused ones included). */
  trials: TrialRecord[];
  /** The best trial at the largest budget any trial reached (best overall if none). */
  best: TrialRecord;
  /** Sum of the budgets of all trials. */
  totalBudget: number;
  /** Trials taken from the state file instead of being run. */
  reused: number;
}
