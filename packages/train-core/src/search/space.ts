/** Search spaces: the distributions a hyper-parameter is drawn from, and how a grid covers them. */
import { InvalidArgumentError } from '@modelkit/core';

/** A configuration value: what `choice` can hold and what the other params produce. */
export type ParamValue = number | string | boolean;

/** One hyper-parameter's distribution. Build with {@link uniform}, {@link logUniform}, {@link choice}, {@link int}. */
export type Param =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'logUniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number; log: boolean }
  | { kind: 'choice'; values: readonly ParamValue[] };

/** Named hyper-parameters; a config has one value per name. */
export type SearchSpace = Record<string, Param>;

/** One point of a search space. */
export type Config = Record<string, ParamValue>;

function checkRange(kind: string, low: number, high: number, positive = false): void {
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low <= high) || (positive && low <= 0)) {
    throw new InvalidArgumentError(`${kind}(${low}, ${high}): need finite low <= high${positive ? ' and low > 0' : ''}`);
  }
}

/** A float drawn uniformly from [low, high]. */
export function uniform(low: number, high: number): Param {
  checkRange('uniform', low, high);
  return { kind: 'uniform', low, high };
}

/** A positive float whose logarithm is uniform: the usual prior for learning rates and weight decay. */
export function logUniform(low: number, high: number): Param {
  checkRange('logUniform', low, high, true);
  return { kind: 'logUniform', low, high };
}

/** An integer in [low, high] (both included); `log: true` spaces it logarithmically (batch sizes, widths). */
export function int(low: number, high: number, options: { log?: boolean } = {}): Param {
  checkRange('int', low, high, options.log === true);
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new InvalidArgumentError(`int(${low}, ${high}): bounds must be integers`);
  return { kind: 'int', low, high, log: options.log ?? false };
}

/** One of `values`, each equally likely. */
export function choice(values: readonly ParamValue[]): Param {
  if (values.length === 0) throw new InvalidArgumentError('choice([]): need at least one value');
  return { kind: 'choice', values: values.slice() };
}

/** A random config; `random` returns floats in [0, 1). */
export function sampleConfig(space: SearchSpace, random: () => number): Config {
  const config: Config = {};
  // Sorted keys: the same space written in another key order samples the same configs.
  for (const key of Object.keys(space).sort()) {
    const p = space[key];
    const u = random();
    switch (p.kind) {
      case 'uniform':
        config[key] = p.low + u * (p.high - p.low);
        break;
      case 'logUniform':
        config[key] = Math.exp(Math.log(p.low) + u * (Math.log(p.high) - Math.log(p.low)));
        break;
      case 'int':
        config[key] = p.log
          ? Math.min(p.high, Math.floor(Math.exp(Math.log(p.low) + u * (Math.log(p.high + 1) - Math.log(p.low)))))
          : p.low + Math.floor(u * (p.high - p.low + 1));
        break;
      case 'choice':
        config[key] = p.values[Math.floor(u * p.values.length)];
        break;
    }
  }
  return config;
}

/** The grid values of one param: `points` evenly spaced (log-spaced for log params), every value of a choice. */
export function gridValues(p: Param, points: number): ParamValue[] {
  if (p.kind === 'choice') return p.values.slice();
  const n = Math.max(1, points);
  const at = (i: number): number => (n === 1 ? 0.5 : i / (n - 1));
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    if (p.kind === 'uniform') values.push(p.low + at(i) * (p.high - p.low));
    else if (p.kind === 'logUniform') values.push(Math.exp(Math.log(p.low) + at(i) * (Math.log(p.high) - Math.log(p.low))));
    else {
      const v = p.log ? Math.exp(Math.log(p.low) + at(i) * (Math.log(p.high) - Math.log(p.low))) : p.low + at(i) * (p.high - p.low);
      values.push(Math.round(v));
    }
  }
  return [...new Set(values)];
}

/** Every combination of the params' grid values (cartesian product, keys sorted). */
export function gridConfigs(space: SearchSpace, points: number): Config[] {
  let configs: Config[] = [{}];
  for (const key of Object.keys(space).sort()) {
    const values = gridValues(space[key], points);
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return configs;
}
