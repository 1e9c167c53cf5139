/**
 * A streaming histogram of one tensor's values: fixed memory however many calibration
 * images pass through. Positive values and the magnitudes of negative values each get
 * `bins` bins over [0, limit]; when a batch exceeds a side's limit, the limit doubles and
 * pairs of bins merge, so resolution stays within 2x of the best for the data seen.
 */
export class TensorHistogram {
  /** Smallest and largest value seen. */
  min = Infinity;
  max = -Infinity;
  /** Values seen. */
  count = 0;
  /** Counts of values in [0, posLimit], bin i covering [i, i+1) * posLimit / bins. */
  readonly pos: Float64Array;
  /** Counts of magnitudes of negative values in (0, negLimit]. */
  readonly neg: Float64Array;
  posLimit = 0;
  negLimit = 0;

  constructor(readonly bins = 2048) {
    this.pos = new Float64Array(bins);
    this.neg = new Float64Array(bins);
  }

  /** Adds a batch of values. NaNs are skipped; infinities count toward min/max only. */
  add(values: ArrayLike<number>): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(lo <= hi)) return; // empty or all NaN
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    if (hi > 0 && Number.isFinite(hi)) this.posLimit = grow(this.pos, this.posLimit, hi);
    if (lo < 0 && Number.isFinite(lo)) this.negLimit = grow(this.neg, this.negLimit, -lo);
    const b = this.bins;
    const pScale = this.posLimit > 0 ? b / this.posLimit : 0;
    const nScale = this.negLimit > 0 ? b / this.negLimit : 0;
    const pos = this.pos;
    const neg = this.neg;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v >= 0) {
        if (v === Infinity) continue;
        pos[Math.min(b - 1, (v * pScale) | 0)]! += 1;
      } else if (v < 0) {
        if (v === -Infinity) continue;
        neg[Math.min(b - 1, (-v * nScale) | 0)]! += 1;
      } else {
        continue; // NaN
      }
      this.count++;
    }
  }

  /**
   * The histogram as one signed sequence of bins from most negative to most positive:
   * `centers[i]` and `counts[i]`, with `edges` of length bins+1 (ascending).
   */
  signed(): { edges: Float64Array; counts: Float64Array } {
    const b = this.bins;
    const nNeg = this.negLimit > 0 ? b : 0;
    const nPos = this.posLimit > 0 || this.count > 0 ? b : 0;
    const counts = new Float64Array(nNeg + nPos);
    const edges = new Float64Array(nNeg + nPos + 1);
    const nw = this.negLimit / b;
    const pw = this.posLimit / b;
    for (let i = 0; i < nNeg; i++) {
      // Negative bin k covers magnitudes [k, k+1) * nw, i.e. values (-(k+1), -k] * nw.
      const k = nNeg - 1 - i;
      counts[i] = this.neg[k]!;
      edges[i] = -(k + 1) * nw;
    }
    for (let i = 0; i < nPos; i++) {
      counts[nNeg + i] = this.pos[i]!;
      edges[nNeg + i] = i * pw;
    }
    edges[nNeg + nPos] = nPos > 0 ? this.posLimit : 0;
    return { edges, counts };
  }
}

/** Doubles `limit` (merging bin pairs each time) until it covers `value`; returns the new limit. */
function grow(hist: Float64Array, limit: number, value: number): number {
  if (limit === 0) return value;
  while (limit < value) {
    const half = hist.length / 2;
    for (let i = 0; i < half; i++) hist[i] = hist[2 * i]! + hist[2 * i + 1]!;
    hist.fill(0, half);
    limit *= 2;
  }
  return limit;
}
