import { InvalidArgumentError } from '@modelkit/core';
import { assertFinite, type LrSchedule } from './lr-schedule';

/** Options of {@link piecewiseLr}. */
export interface PiecewiseOptions {
  /** Increasing steps at which the rate changes. */
  boundaries: number[];
  /** `boundaries.length + 1` rates: `values[i]` holds for `boundaries[i-1] <= step < boundaries[i]`. */
  values: number[];
}

/** A step-wise constant schedule (Paddle's `PiecewiseDecay`). */
export function piecewiseLr(options: PiecewiseOptions): LrSchedule {
  const { boundaries, values } = options;
  if (values.length !== boundaries.length + 1) {
    throw new InvalidArgumentError(`piecewiseLr: values must have boundaries.length + 1 = ${boundaries.length + 1} entries, got ${values.length}`);
  }
  boundaries.forEach((b, i) => {
    assertFinite(b, `boundaries[${i}]`);
    if (i > 0 && b <= boundaries[i - 1]) throw new InvalidArgumentError('piecewiseLr: boundaries must increase');
  });
  values.forEach((v, i) => assertFinite(v, `values[${i}]`));
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return values[i];
  };
}
