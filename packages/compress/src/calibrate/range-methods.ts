/**
 * From a histogram to the float range an activation is quantized over. Plain min/max
 * wastes most of the 256 levels on rare outliers in MobileNet-style models; the others
 * clip those outliers on purpose:
 * - `percentile`: drop `(100 - p)`% of the values from each tail;
 * - `entropy`: TensorRT's KL-divergence search (the range whose 8-bit histogram loses the
 *   least information), over magnitudes;
 * - `mse`: the range minimising the expected squared error, rounding noise inside the range
 *   (`step^2 / 12` per value) plus clipping error outside it.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { TensorHistogram } from './histogram';
import type { Range } from '../quantize/qparams';

/** How calibration turns observed values into ranges. */
export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

/** Knobs of the range methods. */
export interface RangeOptions {
  /** `percentile`: the share of values kept inside the range, per tail (default 99.999). */
  percentile?: number;
  /** `entropy`: histogram bins the KL search works on (default 2048, at most the collector's). */
  entropyBins?: number;
}

/** The range of `hist` by `method`; always within [min, max] and including 0. */
export function computeRange(hist: TensorHistogram, method: CalibrationMethod, options: RangeOptions = {}): Range {
  if (hist.count === 0 || !Number.isFinite(hist.min) || !Number.isFinite(hist.max)) return { lo: 0, hi: 0 };
  const full: Range = { lo: Math.min(0, hist.min), hi: Math.max(0, hist.max) };
  if (method === 'minmax' || full.hi - full.lo === 0) return full;
  const { edges, counts } = hist.signed();
  let r: Range;
  switch (method) {
    case 'percentile':
      r = percentileRange(edges, counts, options.percentile ?? 99.999);
      break;
    case 'entropy':
      r = entropyRange(hist, options.entropyBins ?? 2048);
      break;
    case 'mse':
      r = mseRange(edges, counts, full);
      break;
    default:
      throw new InvalidArgumentError(`calibration method must be minmax, percentile, entropy or mse, got ${String(method)}`, { details: { method } });
  }
  return { lo: Math.max(full.lo, Math.min(0, r.lo)), hi: Math.min(full.hi, Math.max(0, r.hi)) };
}

function percentileRange(edges: Float64Array, counts: Float64Array, p: number): Range {
  const total = counts.reduce((a, b) => a + b, 0);
  const tail = (total * (100 - p)) / 100;
  let lo = edges[0]!;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i]!;
    if (acc > tail) {
      lo = edges[i]!;
      break;
    }
  }
  let hi = edges[counts.length]!;
  acc = 0;
  for (let i = counts.length - 1; i >= 0; i--) {
    acc += counts[i]!;
    if (acc > tail) {
      hi = edges[i + 1]!;
      break;
    }
  }
  return { lo, hi };
}

/**
 * Expected squared error of quantizing the values of `hist` to uint8 over `range` (values
 * at their bin centres): what the `mse` method minimises.
 */
export function expectedSquaredError(hist: TensorHistogram, range: Range): number {
  const { edges, counts } = hist.signed();
  return mseOf(edges, counts, Math.min(0, range.lo), Math.max(0, range.hi));
}

/** Expected squared error of uint8 quantization over [lo, hi] for the histogram (bin centres). */
function mseOf(edges: Float64Array, counts: Float64Array, lo: number, hi: number): number {
  const step = (hi - lo) / 255;
  const noise = (step * step) / 12;
  let err = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const x = (edges[i]! + edges[i + 1]!) / 2;
    if (x < lo) err += c * ((lo - x) * (lo - x) + noise);
    else if (x > hi) err += c * ((x - hi) * (x - hi) + noise);
    else err += c * noise;
  }
  return err;
}

/**
 * Coordinate descent over the two ends: each end shrinks toward 0 in 1% steps while the
 * other stays fixed, twice round. The error is convex enough in each end for this to find
 * the optimum the 2-D grid would.
 */
function mseRange(edges: Float64Array, counts: Float64Array, full: Range): Range {
  let lo = full.lo;
  let hi = full.hi;
  const STEPS = 100;
  for (let round = 0; round < 2; round++) {
    if (hi > 0) {
      let best = mseOf(edges, counts, lo, hi);
      let bestHi = hi;
      for (let k = 1; k < STEPS; k++) {
        const h = (full.hi * (STEPS - k)) / STEPS;
        if (h <= 0) break;
        const e = mseOf(edges, counts, lo, h);
        if (e < best) {
          best = e;
          bestHi = h;
        }
      }
      hi = bestHi;
    }
    if (lo < 0) {
      let best = mseOf(edges, counts, lo, hi);
      let bestLo = lo;
      for (let k = 1; k < STEPS; k++) {
        const l = (full.lo * (STEPS - k)) / STEPS;
        if (l >= 0) break;
        const e = mseOf(edges, counts, l, hi);
        if (e < best) {
          best = e;
          bestLo = l;
        }
      }
      lo = bestLo;
    }
  }
  return { lo, hi };
}

/**
 * TensorRT's entropy calibration on the magnitude histogram: for each candidate threshold,
 * the KL divergence between the clipped distribution and its 8-bit version; the threshold
 * with the least divergence wins. Signed tensors get [-t, t] (128 levels a side), others
 * [0, t] (256 levels).
 */
function entropyRange(hist: TensorHistogram, binsWanted: number): Range {
  const signed = hist.min < 0;
  // Magnitudes on one scale: the side with the smaller limit is re-binned onto the larger.
  const limit = Math.max(hist.posLimit, hist.negLimit);
  const bins = Math.max(256, Math.min(hist.bins, binsWanted));
  const mags = new Float64Array(bins);
  const addSide = (side: Float64Array, sideLimit: number): void => {
    if (sideLimit <= 0) return;
    const w = sideLimit / side.length;
    for (let i = 0; i < side.length; i++) {
      const c = side[i]!;
      if (c === 0) continue;
      const centre = (i + 0.5) * w;
      mags[Math.min(bins - 1, Math.floor((centre / limit) * bins))]! += c;
    }
  };
  addSide(hist.pos, hist.posLimit);
  if (signed) addSide(hist.neg, hist.negLimit);
  const levels = signed ? 128 : 256;
  const t = klThreshold(mags, levels);
  const th = ((t + 0.5) / bins) * limit;
  return signed ? { lo: -th, hi: th } : { lo: 0, hi: th };
}

/** Index (exclusive end bin) of the threshold with the least KL divergence. */
function klThreshold(hist: Float64Array, levels: number): number {
  const n = hist.length;
  let bestKl = Infinity;
  let best = n;
  const stride = Math.max(1, Math.floor((n - levels) / 128));
  for (let i = levels; i <= n; i += stride) {
    const p = new Float64Array(i);
    for (let k = 0; k < i; k++) p[k] = hist[k]!;
    let outliers = 0;
    for (let k = i; k < n; k++) outliers += hist[k]!;
    p[i - 1] = p[i - 1]! + outliers;
    // Q: the clipped histogram merged into `levels` buckets, spread back over the non-empty bins.
    const q = new Float64Array(i);
    for (let j = 0; j < levels; j++) {
      const start = Math.floor((j * i) / levels);
      const end = j === levels - 1 ? i : Math.floor(((j + 1) * i) / levels);
      let sum = 0;
      let nonzero = 0;
      for (let k = start; k < end; k++) {
        sum += hist[k]!;
        if (hist[k]! > 0) nonzero++;
      }
      if (nonzero === 0) continue;
      const v = sum / nonzero;
      for (let k = start; k < end; k++) if (hist[k]! > 0) q[k] = v;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best - 1;
}

function klDivergence(p: Float64Array, q: Float64Array): number {
  let ps = 0;
  let qs = 0;
  for (let k = 0; k < p.length; k++) {
    ps += p[k]!;
    qs += q[k]!;
  }
  if (ps === 0 || qs === 0) return Infinity;
  const EPS = 1e-12;
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k]! / ps;
    if (pk === 0) continue;
    const qk = Math.max(q[k]! / qs, EPS);
    kl += pk * Math.log(pk / qk);
  }
  return kl;
}
