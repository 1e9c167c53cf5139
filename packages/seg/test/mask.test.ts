import { isModelkitError } from '@modelkit/core';
import { assertMask, resizeFloatMap, resizeMask, thresholdMask, toByteMask, toFloatMask } from '../src';

describe('resizeFloatMap (half-pixel bilinear)', () => {
  it('upsamples 2x1 -> 4x1 like TF/cv2 with clamped edges', () => {
    // Output x samples source coordinate (x + 0.5) / 2 - 0.5: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    expect(Array.from(resizeFloatMap(Float32Array.from([0, 1]), 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('interpolates both axes', () => {
    const src = Float32Array.from([0, 1, 2, 3]); // 2x2
    const out = resizeFloatMap(src, 2, 2, 4, 4);
    expect(out.length).toBe(16);
    expect(out[0]).toBeCloseTo(0);
    expect(out[15]).toBeCloseTo(3);
    // Row 1, column 1 samples (0.25, 0.25): 0*(.75*.75) + 1*(.25*.75) + 2*(.75*.25) + 3*(.25*.25).
    expect(out[5]).toBeCloseTo(0.1875 + 0.375 + 0.1875, 6);
  });

  it('downsampling a constant map keeps the constant; same size is a copy', () => {
    const src = new Float32Array(64 * 48).fill(0.7);
    expect(Array.from(new Set(resizeFloatMap(src, 64, 48, 7, 5)))).toEqual([Math.fround(0.7)]);
    const copy = resizeFloatMap(src, 64, 48, 64, 48);
    expect(copy).not.toBe(src);
    expect(copy).toEqual(src);
  });

  it('rejects a wrong length or size', () => {
    expect(() => resizeFloatMap(new Float32Array(3), 2, 2, 4, 4)).toThrow(/3 values for 2x2/);
    expect(() => resizeFloatMap(new Float32Array(4), 2, 2, 0, 4)).toThrow(/bad target size/);
  });
});

describe('mask conversions', () => {
  const f = { data: Float32Array.from([0, 0.25, 0.5, 1, 1.5, -1, NaN, 0.999]), width: 4, height: 2 };

  it('toByteMask rounds and clamps (NaN -> 0)', () => {
    expect(Array.from(toByteMask(f).data)).toEqual([0, 64, 128, 255, 255, 0, 0, 255]);
  });

  it('toFloatMask divides bytes by 255', () => {
    const b = toFloatMask({ data: Uint8Array.from([0, 51, 255, 102]), width: 2, height: 2 });
    expect(Array.from(b.data).map((v) => Math.round(v * 100) / 100)).toEqual([0, 0.2, 1, 0.4]);
  });

  it('thresholdMask uses >= threshold', () => {
    expect(Array.from(thresholdMask(f))).toEqual([0, 0, 1, 1, 1, 0, 0, 1]);
    expect(Array.from(thresholdMask({ data: Uint8Array.from([127, 128]), width: 2, height: 1 }, 0.5))).toEqual([0, 1]);
  });

  it('resizeMask keeps the storage type', () => {
    const m = resizeMask({ data: Uint8Array.from([0, 255]), width: 2, height: 1 }, 4, 1);
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(m.data)).toEqual([0, 64, 191, 255]);
  });

  it('assertMask rejects malformed masks with E_INVALID_ARGUMENT', () => {
    const bad = [
      { data: new Float32Array(5), width: 2, height: 2 },
      { data: new Float64Array(4), width: 2, height: 2 },
      { data: new Uint8Array(0), width: 0, height: 0 },
      null,
    ];
    for (const m of bad) {
      let err: unknown;
      try {
        assertMask(m as never, 'test');
      } catch (e) {
        err = e;
      }
      expect(isModelkitError(err, 'E_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
