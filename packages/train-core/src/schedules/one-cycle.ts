import { assertFinite, type LrSchedule } from './lr-schedule';

/** Options of {@link oneCycleLr}. */
export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  /** Fraction of the steps spent rising to `maxLr`. Default 0.3. */
  pctStart?: number;
  /** Start rate is `maxLr / divFactor`. Default 25. */
  divFactor?: number;
  /** Final rate is `start / finalDivFactor`. Default 1e4. */
  finalDivFactor?: number;
}

/**
 * The one-cycle policy (Smith & Topin) with cosine annealing in both phases, as PyTorch's
 * `OneCycleLR`: from `maxLr/divFactor` up to `maxLr` at step `pctStart*totalSteps - 1`,
 * then down to `maxLr/divFactor/finalDivFactor` at step `totalSteps - 1`.
 */
export function oneCycleLr(options: OneCycleOptions): LrSchedule {
  const { maxLr, totalSteps } = options;
  const pctStart = options.pctStart ?? 0.3;
  const div = options.divFactor ?? 25;
  const finalDiv = options.finalDivFactor ?? 1e4;
  assertFinite(maxLr, 'maxLr');
  assertFinite(totalSteps, 'totalSteps', 2);
  assertFinite(pctStart, 'pctStart', 0);
  assertFinite(div, 'divFactor', 0);
  assertFinite(finalDiv, 'finalDivFactor', 0);
  const initial = maxLr / div;
  const final = initial / finalDiv;
  const peak = Math.max(1, pctStart * totalSteps - 1);
  const end = totalSteps - 1;
  const anneal = (from: number, to: number, pct: number): number => to + ((from - to) * (1 + Math.cos(Math.PI * pct))) / 2;
  return (step) => {
    if (step <= peak) return anneal(initial, maxLr, step / peak);
    if (step >= end) return final;
    return anneal(maxLr, final, (step - peak) / (end - peak));
  };
}
