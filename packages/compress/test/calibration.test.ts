import { TensorHistogram } from '../src/calibrate/histogram';
import { computeRange, expectedSquaredError } from '../src/calibrate/range-methods';
import { pseudoRandom } from './fixtures/tiny-models';

/** Standard normal values (Box-Muller over a fixed LCG), deterministic. */
function gaussian(n: number, seed: number): Float32Array {
  const u = pseudoRandom(n + 1, seed, 1e-7, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u[i]!));
    out[i] = r * Math.cos(2 * Math.PI * u[i + 1]!);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u[i + 1]!);
  }
  return out;
}

describe('TensorHistogram', () => {
  it('streams: batches with growing ranges count every value once, in fixed memory', () => {
    const h = new TensorHistogram(256);
    h.add(new Float32Array([0, 0.5, 1]));
    h.add(new Float32Array([3, -2, 7.9]));
    h.add(new Float32Array([NaN, -0.1]));
    expect(h.count).toBe(7);
    expect(h.min).toBe(-2);
    expect(h.max).toBeCloseTo(7.9);
    expect(h.pos.length).toBe(256);
    const { edges, counts } = h.signed();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(7);
    expect(edges[0]).toBeLessThanOrEqual(-2);
    expect(edges[edges.length - 1]).toBeGreaterThanOrEqual(7.9);
    // Doubling kept the limit within 2x of the largest value.
    expect(h.posLimit).toBeLessThan(2 * 7.9 + 1e-9);
  });

  it('gives the same histogram for one batch or the same values in many', () => {
    const v = gaussian(5000, 3);
    const one = new TensorHistogram(512);
    one.add(v);
    const many = new TensorHistogram(512);
    for (let i = 0; i < v.length; i += 500) many.add(v.subarray(i, i + 500));
    expect(many.count).toBe(one.count);
    expect(many.min).toBe(one.min);
    expect(many.max).toBe(one.max);
  });
});

describe('range methods', () => {
  // Activations are millions of values: at that count one far outlier costs less to clip
  // than the coarser step it forces on everything else.
  const h = new TensorHistogram();
  const v = gaussian(1_000_000, 5);
  v[0] = 40;
  h.add(v);

  it('minmax covers everything', () => {
    expect(computeRange(h, 'minmax')).toEqual({ lo: h.min, hi: 40 });
  });

  it('percentile, entropy and mse clip the outlier and keep the bulk', () => {
    for (const method of ['percentile', 'entropy', 'mse'] as const) {
      const r = computeRange(h, method, { percentile: 99.9 });
      expect(r.hi).toBeLessThan(20);
      expect(r.hi).toBeGreaterThan(2.5);
      expect(r.lo).toBeLessThan(-2.5);
    }
  });

  it('percentile follows p', () => {
    const tight = computeRange(h, 'percentile', { percentile: 99 });
    const loose = computeRange(h, 'percentile', { percentile: 99.99 });
    expect(tight.hi).toBeLessThan(loose.hi);
    expect(tight.hi).toBeGreaterThan(2); // ~2.33 sigma
    expect(tight.hi).toBeLessThan(2.8);
  });

  it('mse has the least expected error of the methods', () => {
    const err = (m: 'minmax' | 'percentile' | 'entropy' | 'mse'): number => expectedSquaredError(h, computeRange(h, m));
    expect(err('mse')).toBeLessThan(err('minmax'));
    expect(err('mse')).toBeLessThanOrEqual(err('percentile') * 1.02);
    expect(err('mse')).toBeLessThanOrEqual(err('entropy') * 1.02);
  });

  it('a non-negative tensor keeps lo = 0', () => {
    const pos = new TensorHistogram();
    pos.add(gaussian(4000, 9).map(Math.abs));
    for (const method of ['minmax', 'percentile', 'entropy', 'mse'] as const) expect(computeRange(pos, method).lo).toBe(0);
  });

  it('an empty histogram gives [0, 0]', () => {
    expect(computeRange(new TensorHistogram(), 'mse')).toEqual({ lo: 0, hi: 0 });
  });
});
