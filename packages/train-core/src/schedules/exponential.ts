import { assertFinite, type LrSchedule } from './lr-schedule';

/** Options of {@link exponentialLr}. */
export interface ExponentialOptions {
  baseLr: number;
  /** Factor applied every `decaySteps` steps. */
  decayRate: number;
  /** Default 1 (decay every step). */
  decaySteps?: number;
  /** Decay in whole periods (a staircase) instead of continuously. Default false. */
  staircase?: boolean;
}

/** `lr = baseLr * decayRate ^ (step / decaySteps)` (floored exponent when `staircase`). */
export function exponentialLr(options: ExponentialOptions): LrSchedule {
  const { baseLr, decayRate } = options;
  const decaySteps = options.decaySteps ?? 1;
  assertFinite(baseLr, 'baseLr');
  assertFinite(decayRate, 'decayRate', 0);
  assertFinite(decaySteps, 'decaySteps', 1);
  return (step) => {
    const p = step / decaySteps;
    return baseLr * decayRate ** (options.staircase ? Math.floor(p) : p);
  };
}
