import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isModelkitError } from '@modelkit/core';
import {
  choice, formatResultsTable, gridConfigs, int, logUniform, resultsToJson, searchHyperparameters, uniform,
  type Config, type Objective, type TrialRecord,
} from '../../src';

const space = { x: uniform(0, 1), lr: logUniform(1e-5, 1e-1) };

/** The true (noise-free) score; optimum 0 at x = 0.3, lr = 1e-3. */
const truth = (c: Config): number => -(((c.x as number) - 0.3) ** 2) - (Math.log10(c.lr as number) + 3) ** 2;

/** A deterministic pseudo-random number in [-0.5, 0.5) from a config and a budget. */
function hashNoise(c: Config, budget: number): number {
  let h = 2166136261;
  for (const ch of `${JSON.stringify(c)}|${budget}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) / 4294967296) - 0.5;
}

/** The synthetic objective: truth plus noise that shrinks as the budget grows. */
function objective(noise: number, calls: string[] = []): Objective {
  return async (config, { budget, trialId }) => {
    calls.push(trialId);
    return { metric: truth(config) + (noise * hashNoise(config, budget)) / budget, evaluatedAt: budget };
  };
}

describe('hyper-parameter search on a synthetic objective with a known optimum', () => {
  it('grid search finds the best grid point', async () => {
    const result = await searchHyperparameters(space, objective(0), { algorithm: 'grid', mode: 'max', gridPoints: 5, budget: 1 });
    expect(result.trials).toHaveLength(25);
    // Grid: x in {0, .25, .5, .75, 1}, lr in {1e-5, 1e-4, 1e-3, 1e-2, 1e-1}.
    expect(result.best.config.x).toBeCloseTo(0.25, 12);
    expect(result.best.config.lr).toBeCloseTo(1e-3, 12);
    expect(result.best.metric).toBeCloseTo(-(0.05 ** 2), 9);
    expect(gridConfigs({ a: int(1, 3), b: choice(['p', 'q']) }, 5)).toEqual([
      { a: 1, b: 'p' }, { a: 1, b: 'q' }, { a: 2, b: 'p' }, { a: 2, b: 'q' }, { a: 3, b: 'p' }, { a: 3, b: 'q' },
    ]);
  });

  it('random search with a seed is reproducible, and another seed differs', async () => {
    const opts = { algorithm: 'random' as const, mode: 'max' as const, trials: 40, seed: 42, budget: 1 };
    const a = await searchHyperparameters(space, objective(0.1), opts);
    const b = await searchHyperparameters(space, objective(0.1), opts);
    const c = await searchHyperparameters(space, objective(0.1), { ...opts, seed: 43 });
    expect(b.trials.map((t) => t.config)).toEqual(a.trials.map((t) => t.config));
    expect(c.trials.map((t) => t.config)).not.toEqual(a.trials.map((t) => t.config));
    for (const t of a.trials) {
      expect(t.config.x).toBeGreaterThanOrEqual(0);
      expect(t.config.x).toBeLessThanOrEqual(1);
      expect(t.config.lr).toBeGreaterThanOrEqual(1e-5);
      expect(t.config.lr).toBeLessThanOrEqual(1e-1);
    }
    // 40 draws land near the optimum: within 0.15 in x and half a decade in lr.
    expect(Math.abs((a.best.config.x as number) - 0.3)).toBeLessThan(0.15);
    expect(Math.abs(Math.log10(a.best.config.lr as number) + 3)).toBeLessThan(0.5);
    const min = await searchHyperparameters({ x: uniform(0, 1) }, async (cfg) => ({ metric: ((cfg.x as number) - 0.3) ** 2 }), { ...opts, mode: 'min' });
    expect(min.best.metric).toBe(Math.min(...min.trials.map((t) => t.metric)));
  });

  const byRung = (trials: TrialRecord[], rung: number): TrialRecord[] => trials.filter((t) => t.rung === rung);
  const topIds = (trials: TrialRecord[], k: number): number[] =>
    trials.slice().sort((p, q) => q.metric - p.metric || p.configIndex - q.configIndex).slice(0, k).map((t) => t.configIndex).sort((p, q) => p - q);

  it('successive halving keeps the top 1/eta of each rung', async () => {
    const r = await searchHyperparameters(space, objective(1), { algorithm: 'successive-halving', mode: 'max', trials: 27, seed: 1, budget: { min: 1, max: 9, eta: 3 } });
    expect([0, 1, 2].map((k) => byRung(r.trials, k).length)).toEqual([27, 9, 3]);
    expect(byRung(r.trials, 1).map((t) => t.configIndex).sort((p, q) => p - q)).toEqual(topIds(byRung(r.trials, 0), 9));
    expect(byRung(r.trials, 2).map((t) => t.configIndex).sort((p, q) => p - q)).toEqual(topIds(byRung(r.trials, 1), 3));
    expect(byRung(r.trials, 2).every((t) => t.budget === 9 && t.resumeFrom === `c${String(t.configIndex).padStart(3, '0')}-r1`)).toBe(true);
    expect(r.totalBudget).toBe(27 * 1 + 9 * 3 + 3 * 9);
    expect(r.best.rung).toBe(2);
  });

  it('ASHA promotes the top 1/eta of finished trials, spends less than full evaluation and finds a near-optimal config', async () => {
    const r = await searchHyperparameters(space, objective(1), { algorithm: 'asha', mode: 'max', trials: 27, seed: 1, budget: { min: 1, max: 9, eta: 3 } });
    // Every promotion to rung k+1 was, when it happened, in the top floor(n/3) of the n trials finished at rung k.
    r.trials.forEach((t, i) => {
      if (t.rung === 0) return;
      const before = r.trials.slice(0, i).filter((p) => p.rung === t.rung - 1);
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(topIds(before, Math.floor(before.length / 3))).toContain(t.configIndex);
    });
    expect(byRung(r.trials, 0)).toHaveLength(27);
    expect(byRung(r.trials, 2).length).toBeGreaterThanOrEqual(1);
    const full = 27 * 9;
    expect(r.totalBudget).toBeLessThan(full / 2);
    // The winner is among the best 20% of the 27 configs by the true score.
    const scores = byRung(r.trials, 0).map((t) => truth(t.config)).sort((p, q) => q - p);
    expect(truth(r.best.config)).toBeGreaterThanOrEqual(scores[Math.floor(27 * 0.2)]);
    // Parallel workers: same rules, still cheaper than full evaluation.
    const par = await searchHyperparameters(space, objective(1), { algorithm: 'asha', mode: 'max', trials: 27, seed: 1, budget: { min: 1, max: 9, eta: 3 }, concurrency: 3 });
    expect(byRung(par.trials, 0)).toHaveLength(27);
    expect(par.totalBudget).toBeLessThan(full / 2);
  });

  it('resumes after an interruption without redoing finished trials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mk-search-'));
    const statePath = join(dir, 'search.json');
    const opts = { algorithm: 'asha' as const, mode: 'max' as const, trials: 27, seed: 5, budget: { min: 1, max: 9, eta: 3 }, statePath };
    try {
      const reference = await searchHyperparameters(space, objective(1), { ...opts, statePath: undefined });
      let calls = 0;
      const crashing: Objective = async (config, ctx) => {
        if (++calls === 15) throw new Error('killed');
        return objective(1)(config, ctx);
      };
      await expect(searchHyperparameters(space, crashing, opts)).rejects.toThrow('killed');
      const saved = JSON.parse(await readFile(statePath, 'utf8')) as { trials: TrialRecord[] };
      expect(saved.trials).toHaveLength(14);

      const second: string[] = [];
      const resumed = await searchHyperparameters(space, objective(1, second), opts);
      expect(resumed.reused).toBe(14);
      expect(second).toHaveLength(reference.trials.length - 14);
      expect(second.some((id) => saved.trials.some((t) => t.trialId === id))).toBe(false);
      expect(resumed.trials.map((t) => [t.trialId, t.metric])).toEqual(reference.trials.map((t) => [t.trialId, t.metric]));
      expect(resumed.best.trialId).toBe(reference.best.trialId);

      // A finished search reruns for free.
      const third: string[] = [];
      await searchHyperparameters(space, objective(1, third), opts);
      expect(third).toHaveLength(0);
      // A state file from another search is refused instead of silently mixed in.
      const other = searchHyperparameters(space, objective(1), { ...opts, seed: 6 });
      await expect(other).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints a results table and JSON with the best config', async () => {
    const r = await searchHyperparameters({ ...space, opt: choice(['adam', 'sgd']) }, objective(0.2), { algorithm: 'random', mode: 'max', trials: 5, seed: 3, budget: 2 });
    const table = formatResultsTable(r);
    const lines = table.split('\n');
    expect(lines[0]).toContain('random (max): 5 trials, total budget 10');
    expect(lines[1]).toMatch(/trial\s+budget\s+metric\s+lr\s+opt\s+x/);
    expect(lines[2].startsWith('*')).toBe(true); // best first
    expect(lines[2]).toContain(r.best.trialId);
    expect(lines).toHaveLength(7);
    const json = JSON.parse(JSON.stringify(resultsToJson(r))) as { best: { config: Config }; trials: unknown[] };
    expect(json.best.config).toEqual(r.best.config);
    expect(json.trials).toHaveLength(5);
  });

  it('rejects bad options and objectives with typed errors', async () => {
    const bad = [
      () => searchHyperparameters({}, objective(0), { algorithm: 'random', mode: 'max' }),
      () => searchHyperparameters(space, objective(0), { algorithm: 'random', mode: 'max', trials: 0 }),
      () => searchHyperparameters(space, objective(0), { algorithm: 'asha', mode: 'max', budget: { min: 10, max: 5 } }),
      () => searchHyperparameters(space, async () => ({ metric: 'high' as unknown as number }), { algorithm: 'random', mode: 'max', trials: 1 }),
    ];
    for (const run of bad) await expect(run()).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    expect(() => logUniform(0, 1)).toThrow();
    let err: unknown;
    try {
      uniform(2, 1);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
  });
});
