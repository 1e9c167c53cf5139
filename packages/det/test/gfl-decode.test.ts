import { ErrorCodes, isModelkitError } from '@modelkit/core';
import { decodeGfl, integral, matchGflOutputs } from '../src';
import type { GflLevel } from '../src';

const BINS = 11;
const NEG = -1e4;

/** A level whose every cell has zero scores and uniform distance logits. */
function level(stride: number, width: number, height: number, classes: number): GflLevel {
  return { stride, width, height, scores: new Float32Array(width * height * classes), distances: new Float32Array(width * height * 4 * BINS) };
}

/** Puts all probability of one side of one cell on bin k. */
function oneHot(l: GflLevel, cell: number, side: number, k: number): void {
  const o = (cell * 4 + side) * BINS;
  for (let b = 0; b < BINS; b++) l.distances[o + b] = b === k ? 0 : NEG;
}

const base = { numClasses: 3, regMax: 10, scoreThreshold: 0.3, nmsPre: 1000, centerOffset: 0.5, inputWidth: 64, inputHeight: 64 };

describe('integral', () => {
  it('is the expectation of the softmax over bins', () => {
    // Uniform logits: mean of 0..10 = 5.
    expect(integral(new Float32Array(11), 0, 11)).toBeCloseTo(5, 6);
    // Logits [0, ln 3] on bins 0 and 1, the rest ~ -inf: p = [0.25, 0.75] -> 0.75.
    const l = new Float32Array(11).fill(NEG);
    l[0] = 0;
    l[1] = Math.log(3);
    expect(integral(l, 0, 11)).toBeCloseTo(0.75, 6);
    // Large logits do not overflow (max is subtracted first).
    const big = new Float32Array(11).fill(NEG);
    big[4] = 1000;
    expect(integral(big, 0, 11)).toBeCloseTo(4, 6);
  });
});

describe('decodeGfl', () => {
  it('places boxes around (index + 0.5) * stride with distance = E[bin] * stride', () => {
    const l8 = level(8, 8, 8, 3);
    // Cell (x=2, y=1) -> index 10, centre (20, 12). Class 1 scores 0.9.
    l8.scores[10 * 3 + 1] = 0.9;
    oneHot(l8, 10, 0, 1); // left 8
    oneHot(l8, 10, 1, 1); // top 8
    oneHot(l8, 10, 2, 3); // right 24
    oneHot(l8, 10, 3, 2); // bottom 16
    const r = decodeGfl([l8], base);
    expect(r.classIds).toEqual([1]);
    expect(r.scores[0]).toBeCloseTo(0.9, 6);
    r.boxes[0].forEach((v, i) => expect(v).toBeCloseTo([12, 4, 44, 28][i], 4));
  });

  it('uses the second level stride and clamps to the input', () => {
    const l8 = level(8, 8, 8, 3);
    const l16 = level(16, 4, 4, 3);
    // Stride 16 cell (x=3, y=0) -> index 3, centre (56, 8); uniform bins -> 5 * 16 = 80 on every side.
    l16.scores[3 * 3 + 2] = 0.8;
    const r = decodeGfl([l8, l16], base);
    expect(r.classIds).toEqual([2]);
    r.boxes[0].forEach((v, i) => expect(v).toBeCloseTo([0, 0, 64, 64][i], 4));
    const shifted = decodeGfl([l8, l16], { ...base, centerOffset: 0, inputWidth: 1000, inputHeight: 1000 });
    // Centre (48, 0): x1 = 48 - 80 < 0 -> 0, x2 = 128, y2 = 80.
    shifted.boxes[0].forEach((v, i) => expect(v).toBeCloseTo([0, 0, 128, 80][i], 4));
  });

  it('emits one candidate per class above the threshold (strictly) and none below', () => {
    const l8 = level(8, 8, 8, 3);
    l8.scores[0] = 0.5;
    l8.scores[1] = 0.25; // equal to the threshold: dropped, like mmdetection's `scores > score_thr`
    l8.scores[2] = 0.26;
    const r = decodeGfl([l8], { ...base, scoreThreshold: 0.25 });
    expect(r.classIds).toEqual([0, 2]);
    expect(r.boxes[0]).toBe(r.boxes[1]);
  });

  it('keeps only the nmsPre best cells of a level', () => {
    const l8 = level(8, 8, 8, 3);
    for (let i = 0; i < 10; i++) l8.scores[i * 3] = 0.4 + i * 0.05;
    const r = decodeGfl([l8], { ...base, nmsPre: 3 });
    expect(r.scores.map((s) => Math.round(s * 100))).toEqual([75, 80, 85]);
  });

  it('rejects outputs whose sizes do not match the level', () => {
    const bad = { ...level(8, 8, 8, 3), scores: new Float32Array(5) };
    expect(() => decodeGfl([bad], base)).toThrow(expect.objectContaining({ code: ErrorCodes.MODEL_FORMAT }));
  });
});

describe('matchGflOutputs', () => {
  const o = { strides: [8, 16, 32], inputWidth: 416, inputHeight: 416, numClasses: 80, regMax: 10 };
  it('finds scores and distances of each stride by shape, whatever their names and order', () => {
    const outs = [
      { name: 'Identity_2', dims: [1, 169, 80] },
      { name: 'Identity_5', dims: [1, 169, 44] },
      { name: 'Identity_1', dims: [1, 676, 80] },
      { name: 'Identity', dims: [1, 2704, 80] },
      { name: 'Identity_4', dims: [1, 676, 44] },
      { name: 'Identity_3', dims: [1, 2704, 44] },
    ];
    expect(matchGflOutputs(outs, o)).toEqual([
      { stride: 8, width: 52, height: 52, scores: 'Identity', distances: 'Identity_3' },
      { stride: 16, width: 26, height: 26, scores: 'Identity_1', distances: 'Identity_4' },
      { stride: 32, width: 13, height: 13, scores: 'Identity_2', distances: 'Identity_5' },
    ]);
  });
  it('throws E_MODEL_FORMAT naming what is missing', () => {
    let err: unknown;
    try {
      matchGflOutputs([{ name: 'x', dims: [1, 2704, 80] }], o);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.MODEL_FORMAT)).toBe(true);
    expect((err as Error).message).toContain('[1,2704,44]');
  });
});
