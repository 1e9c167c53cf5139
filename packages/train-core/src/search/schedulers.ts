/**
 * Schedulers decide which trial runs next. Each is a small state machine the search loop
 * polls: `next()` returns a trial to start, `'wait'` while running trials must finish
 * first, or `'done'`; `report()` feeds a finished trial back.
 */
import type { Config } from './space';

/** A trial a scheduler wants run. */
export interface TrialRequest {
  configIndex: number;
  rung: number;
  budget: number;
  resumeFrom?: string;
  previousBudget?: number;
}

/** @internal */
export interface Scheduler {
  next(): TrialRequest | 'wait' | 'done';
  report(request: TrialRequest, metric: number): void;
}

/** The id of config `i` at rung `r`. */
export function trialId(configIndex: number, rung: number): string {
  return `c${String(configIndex).padStart(3, '0')}-r${rung}`;
}

/** Rung budgets min·eta^k, capped at max (the last rung is always max). */
export function rungBudgets(min: number, max: number, eta: number): number[] {
  const budgets: number[] = [];
  for (let b = min; b < max * (1 - 1e-9); b *= eta) budgets.push(b);
  budgets.push(max);
  return budgets;
}

/** `better(a, b)`: a is strictly better than b; NaN is worse than anything. */
export type Better = (a: number, b: number) => boolean;

/** Every config once at one budget (random and grid search). */
export class OneShotScheduler implements Scheduler {
  private nextIndex = 0;
  constructor(private readonly configs: Config[], private readonly budget: number) {}
  next(): TrialRequest | 'wait' | 'done' {
    if (this.nextIndex >= this.configs.length) return 'done';
    return { configIndex: this.nextIndex++, rung: 0, budget: this.budget };
  }
  report(): void {}
}

function topK(entries: { configIndex: number; metric: number }[], k: number, better: Better): number[] {
  return entries
    .slice()
    .sort((a, b) => (better(a.metric, b.metric) ? -1 : better(b.metric, a.metric) ? 1 : a.configIndex - b.configIndex))
    .slice(0, k)
    .map((e) => e.configIndex);
}

/**
 * Synchronous successive halving (Jamieson & Talwalkar): all configs at the smallest
 * budget, the best 1/eta go on to eta× the budget, and so on up to the largest.
 */
export class SuccessiveHalvingScheduler implements Scheduler {
  private rung = 0;
  private queue: number[];
  private readonly results = new Map<number, number>();
  private running = 0;

  constructor(count: number, private readonly budgets: number[], private readonly eta: number, private readonly better: Better) {
    this.queue = Array.from({ length: count }, (_, i) => i);
  }

  next(): TrialRequest | 'wait' | 'done' {
    if (this.queue.length > 0) {
      this.running++;
      const configIndex = this.queue.shift() as number;
      const prev = this.rung > 0 ? { resumeFrom: trialId(configIndex, this.rung - 1), previousBudget: this.budgets[this.rung - 1] } : {};
      return { configIndex, rung: this.rung, budget: this.budgets[this.rung], ...prev };
    }
    if (this.running > 0) return 'wait';
    if (this.rung + 1 >= this.budgets.length || this.results.size <= 1) return 'done';
    const entries = [...this.results].map(([configIndex, metric]) => ({ configIndex, metric }));
    this.queue = topK(entries, Math.max(1, Math.floor(entries.length / this.eta)), this.better);
    this.results.clear();
    this.rung++;
    return this.next();
  }

  report(request: TrialRequest, metric: number): void {
    this.running--;
    this.results.set(request.configIndex, metric);
  }
}

/**
 * ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning"): whenever a
 * worker is free, promote a config that is in the top 1/eta of its rung's finished trials
 * and not promoted yet (highest rung first); otherwise start a new config at rung 0. No
 * rung waits for stragglers, so workers never idle.
 */
export class AshaScheduler implements Scheduler {
  private started = 0;
  private running = 0;
  private readonly finished: { configIndex: number; metric: number }[][];
  private readonly promoted: Set<number>[];

  constructor(private readonly count: number, private readonly budgets: number[], private readonly eta: number, private readonly better: Better) {
    this.finished = budgets.map(() => []);
    this.promoted = budgets.map(() => new Set<number>());
  }

  next(): TrialRequest | 'wait' | 'done' {
    for (let k = this.budgets.length - 2; k >= 0; k--) {
      const done = this.finished[k];
      const top = topK(done, Math.floor(done.length / this.eta), this.better);
      const candidate = top.find((i) => !this.promoted[k].has(i));
      if (candidate !== undefined) {
        this.promoted[k].add(candidate);
        this.running++;
        return { configIndex: candidate, rung: k + 1, budget: this.budgets[k + 1], resumeFrom: trialId(candidate, k), previousBudget: this.budgets[k] };
      }
    }
    if (this.started < this.count) {
      this.running++;
      return { configIndex: this.started++, rung: 0, budget: this.budgets[0] };
    }
    return this.running > 0 ? 'wait' : 'done';
  }

  report(request: TrialRequest, metric: number): void {
    this.running--;
    this.finished[request.rung].push({ configIndex: request.configIndex, metric });
  }
}
