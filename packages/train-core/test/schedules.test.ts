import { constantLr, cosineWarmup, exponentialLr, oneCycleLr, piecewiseLr } from '../src';

test('cosineWarmup: linear warmup then half cosine to minLr', () => {
  const lr = cosineWarmup({ baseLr: 1, totalSteps: 10, warmupSteps: 2 });
  expect(lr(0)).toBe(0);
  expect(lr(1)).toBeCloseTo(0.5, 12);
  expect(lr(2)).toBeCloseTo(1, 12);
  // progress (4-2)/8 = 0.25 -> (1 + cos(pi/4)) / 2
  expect(lr(4)).toBeCloseTo(0.8535533905932737, 12);
  expect(lr(6)).toBeCloseTo(0.5, 12);
  expect(lr(10)).toBe(0);
  expect(lr(50)).toBe(0);
  const floor = cosineWarmup({ baseLr: 0.1, totalSteps: 4, minLr: 0.01, warmupStartLr: 0.05, warmupSteps: 1 });
  expect(floor(0)).toBeCloseTo(0.05, 12);
  expect(floor(1)).toBeCloseTo(0.1, 12);
  expect(floor(4)).toBeCloseTo(0.01, 12);
});

test('piecewiseLr: constant between boundaries', () => {
  const lr = piecewiseLr({ boundaries: [3, 6], values: [1, 0.1, 0.01] });
  expect([0, 2, 3, 5, 6, 100].map(lr)).toEqual([1, 1, 0.1, 0.1, 0.01, 0.01]);
  expect(() => piecewiseLr({ boundaries: [3], values: [1] })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  expect(() => piecewiseLr({ boundaries: [3, 2], values: [1, 2, 3] })).toThrow(/increase/);
});

test('exponentialLr: continuous and staircase', () => {
  const lr = exponentialLr({ baseLr: 1, decayRate: 0.5, decaySteps: 2 });
  expect(lr(0)).toBe(1);
  expect(lr(1)).toBeCloseTo(Math.SQRT1_2, 12);
  expect(lr(4)).toBeCloseTo(0.25, 12);
  const stairs = exponentialLr({ baseLr: 1, decayRate: 0.5, decaySteps: 2, staircase: true });
  expect(stairs(3)).toBe(0.5);
});

test('oneCycleLr: up to maxLr at pctStart, down to initial/finalDiv at the end', () => {
  const lr = oneCycleLr({ maxLr: 1, totalSteps: 10, pctStart: 0.3 });
  expect(lr(0)).toBeCloseTo(0.04, 12);
  expect(lr(1)).toBeCloseTo(0.52, 12); // halfway up: 1 + (0.04 - 1) / 2
  expect(lr(2)).toBeCloseTo(1, 12); // peak at 0.3·10 - 1
  expect(lr(4)).toBeCloseTo(0.8117456539497631, 12); // 2/7 of the way down
  expect(lr(9)).toBeCloseTo(4e-6, 15);
});

test('constantLr and argument checks', () => {
  expect(constantLr(0.3)(1e6)).toBe(0.3);
  expect(() => cosineWarmup({ baseLr: Number.NaN, totalSteps: 1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});
