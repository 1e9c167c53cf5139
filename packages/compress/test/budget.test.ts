import { searchKeptLayers } from '../src/budget/select-layers';
import { lossInPoints, readMetric } from '../src/kit/kit-metrics';

describe('searchKeptLayers', () => {
  const ranked = Array.from({ length: 40 }, (_, i) => `layer${i}`);

  it('finds the fewest float layers that pass, with few evaluations', async () => {
    const tried: number[] = [];
    const { steps, best } = await searchKeptLayers({
      ranked,
      evaluate: async (kept) => {
        tried.push(kept.length);
        return kept.length;
      },
      passes: (k) => k >= 11,
      refine: 5,
    });
    expect(best?.keptFloat).toBe(11);
    expect(best?.result).toBe(11);
    expect(tried.slice(0, 6)).toEqual([0, 1, 2, 4, 8, 16]);
    expect(steps.length).toBeLessThanOrEqual(10);
    // The most sensitive layers leave int8 first.
    expect(tried).not.toContain(40);
  });

  it('stops at zero when the full int8 model passes, and gives up at maxKept', async () => {
    expect((await searchKeptLayers({ ranked, evaluate: async () => 0, passes: () => true })).best?.keptFloat).toBe(0);
    const none = await searchKeptLayers({ ranked, evaluate: async (k) => k.length, passes: () => false, maxKept: 5 });
    expect(none.best).toBeUndefined();
    expect(none.steps.map((s) => s.keptFloat)).toEqual([0, 1, 2, 4, 5]);
  });
});

describe('metrics', () => {
  it('reads dotted paths and reports the worst loss in points', () => {
    const report = { detection: { hmean: 0.8 }, endToEnd: { hmean: 0.6 } };
    expect(readMetric(report, 'endToEnd.hmean')).toBe(0.6);
    expect(() => readMetric(report, 'endToEnd.recall')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(lossInPoints({ a: 0.8, b: 0.6 }, { a: 0.79, b: 0.57 })).toBeCloseTo(3);
    expect(lossInPoints({ a: 0.8 }, { a: 0.81 })).toBeCloseTo(-1);
  });
});
