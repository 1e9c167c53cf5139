/**
 * The accuracy budget's search: keep the most sensitive layers in float, as few as
 * possible, until the kit's metric is within the allowed loss. Layers leave int8 in order
 * of sensitivity; the count grows 0, 1, 2, 4, 8, ... until the metric passes, then a
 * bisection between the last failing and the first passing count.
 */

/** A candidate the search evaluated. */
export interface BudgetStep<R> {
  /** How many of the most sensitive layers stayed float. */
  keptFloat: number;
  passed: boolean;
  result: R;
}

/** Options of {@link searchKeptLayers}. */
export interface BudgetSearchOptions<R> {
  /** Layer names, most sensitive first (only layers the policy may quantize). */
  ranked: readonly string[];
  /** Evaluates the model with these layers kept float. */
  evaluate(keptFloat: readonly string[]): Promise<R>;
  /** Whether a result is within the budget. */
  passes(result: R): boolean;
  /** Stop growing at this many float layers (default: half the layers). */
  maxKept?: number;
  /** Bisection steps after the first pass (default 2). */
  refine?: number;
}

/**
 * Returns every evaluated step (in evaluation order) and the best passing one (fewest
 * layers kept float), or undefined when even `maxKept` float layers do not pass.
 */
export async function searchKeptLayers<R>(o: BudgetSearchOptions<R>): Promise<{ steps: BudgetStep<R>[]; best: BudgetStep<R> | undefined }> {
  const steps: BudgetStep<R>[] = [];
  const maxKept = Math.min(o.ranked.length, o.maxKept ?? Math.ceil(o.ranked.length / 2));
  const tryK = async (k: number): Promise<BudgetStep<R>> => {
    const known = steps.find((s) => s.keptFloat === k);
    if (known) return known;
    const result = await o.evaluate(o.ranked.slice(0, k));
    const step = { keptFloat: k, passed: o.passes(result), result };
    steps.push(step);
    return step;
  };
  let lastFail = -1;
  let firstPass: BudgetStep<R> | undefined;
  for (let k = 0; k <= maxKept; k = k === 0 ? 1 : Math.min(maxKept, k * 2)) {
    const s = await tryK(k);
    if (s.passed) {
      firstPass = s;
      break;
    }
    lastFail = k;
    if (k === maxKept) break;
  }
  if (firstPass === undefined) return { steps, best: undefined };
  let hi = firstPass;
  let lo = lastFail;
  for (let i = 0; i < (o.refine ?? 2) && hi.keptFloat - lo > 1; i++) {
    const mid = Math.floor((lo + hi.keptFloat) / 2);
    const s = await tryK(mid);
    if (s.passed) hi = s;
    else lo = mid;
  }
  return { steps, best: hi };
}
