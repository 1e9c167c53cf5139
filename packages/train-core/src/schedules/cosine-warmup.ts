import { assertFinite, type LrSchedule } from './lr-schedule';

/** Options of {@link cosineWarmup}. */
export interface CosineWarmupOptions {
  /** Peak learning rate, reached at the end of the warmup. */
  baseLr: number;
  /** Steps of the whole run; the cosine ends at `totalSteps` and stays at `minLr` after. */
  totalSteps: number;
  /** Steps of the linear warmup. Default 0. */
  warmupSteps?: number;
  /** Learning rate at step 0 of the warmup. Default 0. */
  warmupStartLr?: number;
  /** Learning rate at the end of the cosine. Default 0. */
  minLr?: number;
}

/**
 * Linear warmup from `warmupStartLr` to `baseLr` over `warmupSteps`, then a half cosine
 * from `baseLr` to `minLr` at `totalSteps`:
 * `lr = minLr + (baseLr - minLr) * (1 + cos(pi * (step - warmup) / (total - warmup))) / 2`.
 */
export function cosineWarmup(options: CosineWarmupOptions): LrSchedule {
  const { baseLr, totalSteps } = options;
  const warmup = options.warmupSteps ?? 0;
  const start = options.warmupStartLr ?? 0;
  const minLr = options.minLr ?? 0;
  assertFinite(baseLr, 'baseLr');
  assertFinite(totalSteps, 'totalSteps', 1);
  assertFinite(warmup, 'warmupSteps', 0);
  assertFinite(start, 'warmupStartLr');
  assertFinite(minLr, 'minLr');
  return (step) => {
    if (step < warmup) return start + ((baseLr - start) * step) / warmup;
    if (step >= totalSteps) return minLr;
    const span = totalSteps - warmup;
    const progress = span > 0 ? (step - warmup) / span : 1;
    return minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}
