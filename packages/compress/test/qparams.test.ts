import { quantizeBias, quantizeWeightsPerChannel, roundHalfEven, uint8Params } from '../src/quantize/qparams';

describe('quantization arithmetic', () => {
  it('rounds half to even like onnxruntime', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });

  it('gives uint8 parameters whose grid holds zero exactly', () => {
    const p = uint8Params({ lo: -1, hi: 3 });
    expect(p.scale).toBeCloseTo(4 / 255);
    expect(p.zeroPoint).toBe(64);
    // A range that excludes 0 is widened to include it.
    expect(uint8Params({ lo: 2, hi: 5.1 })).toEqual({ scale: 5.1 / 255, zeroPoint: 0 });
    expect(uint8Params({ lo: -4, hi: -1 }).zeroPoint).toBe(255);
    // A constant-zero tensor still gets a positive scale.
    expect(uint8Params({ lo: 0, hi: 0 }).scale).toBeGreaterThan(0);
  });

  it('quantizes weights per output channel within half a step', () => {
    const w = new Float32Array([0.5, -1, 0.25, 0, 100, -50, 25, 12.5]); // two channels of 4
    const q = quantizeWeightsPerChannel(w, [2, 4], 0);
    expect(Array.from(q.scales)).toEqual([Math.fround(1 / 127), Math.fround(100 / 127)]);
    expect(Array.from(q.data.slice(0, 4))).toEqual([64, -127, 32, 0]);
    expect(Math.max(...Array.from(q.data).map(Math.abs))).toBe(127);
    for (let i = 0; i < 8; i++) expect(Math.abs(q.data[i]! * q.scales[i < 4 ? 0 : 1]! - w[i]!)).toBeLessThanOrEqual(q.scales[i < 4 ? 0 : 1]! / 2 + 1e-9);
  });

  it('quantizes along an inner axis (MatMul columns)', () => {
    const w = new Float32Array([1, 10, -2, 20, 4, -40]); // [3 rows, 2 columns]
    const q = quantizeWeightsPerChannel(w, [3, 2], 1);
    expect(Array.from(q.scales)).toEqual([Math.fround(4 / 127), Math.fround(40 / 127)]);
    expect(q.data[4]).toBe(127);
    expect(q.data[5]).toBe(-127);
  });

  it('puts biases on the grid input scale x weight scale', () => {
    const b = quantizeBias(new Float32Array([1, -2]), 0.5, new Float32Array([0.1, 0.01]));
    expect(Array.from(b.scales)).toEqual([Math.fround(0.05), Math.fround(0.005)]);
    expect(Array.from(b.data)).toEqual([20, -400]);
  });
});
