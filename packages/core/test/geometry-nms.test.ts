import { ErrorCodes, isModelkitError, matrixNms, nms, type Box } from '../src';

describe('nms', () => {
  // IoU(A,B) = 81/119 ≈ 0.68, IoU(A,C) = 90/100 = 0.9, D is far away.
  const boxes: Box[] = [
    [0, 0, 10, 10], // A 0.9 class 0
    [1, 1, 11, 11], // B 0.8 class 1
    [0, 0, 10, 9], // C 0.7 class 0
    [50, 50, 60, 60], // D 0.6 class 1
  ];
  const scores = [0.9, 0.8, 0.7, 0.6];
  const classIds = [0, 1, 0, 1];

  it('class-agnostic suppresses across classes', () => {
    expect(nms(boxes, scores, { iouThreshold: 0.5 })).toEqual([0, 3]);
    expect(nms(boxes, scores, { iouThreshold: 0.7 })).toEqual([0, 1, 3]); // 0.68 ≤ 0.7 survives
  });

  it('class-aware only suppresses within a class', () => {
    expect(nms(boxes, scores, { iouThreshold: 0.5, classIds })).toEqual([0, 1, 3]);
  });

  it('maxDetections and scoreThreshold', () => {
    expect(nms(boxes, scores, { iouThreshold: 0.5, classIds, maxDetections: 2 })).toEqual([0, 1]);
    expect(nms(boxes, scores, { iouThreshold: 0.5, classIds, scoreThreshold: 0.65 })).toEqual([0, 1]);
    expect(nms(boxes, scores, { iouThreshold: 0.5, scoreThreshold: 0.9 })).toEqual([]); // strictly greater
  });

  it('returns indices score-descending whatever the input order', () => {
    const order = [3, 1, 0, 2];
    const kept = nms(order.map((i) => boxes[i]), order.map((i) => scores[i]), { iouThreshold: 0.5, classIds: order.map((i) => classIds[i]) });
    expect(kept.map((k) => order[k])).toEqual([0, 1, 3]);
  });

  it('rejects mismatched lengths with a typed error', () => {
    expect(() => nms(boxes, [0.5], { iouThreshold: 0.5 })).toThrow(/one entry per box/);
    let err: unknown;
    try {
      nms(boxes, scores, { iouThreshold: 0.5, classIds: [0] });
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
  });
});

describe('matrixNms (Paddle matrix_nms kernel semantics)', () => {
  // IoU(A,B) = IoU(A,C) = 2/6 = 1/3, IoU(B,C) = 1/7. maxIou: A 0, B 1/3, C 1/3.
  const boxes: Box[] = [[0, 0, 2, 2], [1, 0, 3, 2], [0, 1, 2, 3]];
  const scores = [0.9, 0.8, 0.7];

  it('linear kernel: decay = min_j (1 - iou_ij) / (1 - maxIou_j)', () => {
    const r = matrixNms(boxes, scores, { kernel: 'linear', scoreThreshold: 0.1, postThreshold: 0.1 });
    expect(r.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(r[0].score).toBeCloseTo(0.9, 12);
    expect(r[1].score).toBeCloseTo(0.8 * (2 / 3), 12); // by A: (1 - 1/3) / 1
    // C: by A 2/3; by B (1 - 1/7) / (1 - 1/3) = 9/7 > 1 → 2/3.
    expect(r[2].score).toBeCloseTo(0.7 * (2 / 3), 12);
  });

  it('gaussian kernel: decay = min_j exp((maxIou_j² - iou_ij²) · sigma)', () => {
    const r = matrixNms(boxes, scores, { kernel: 'gaussian', gaussianSigma: 2, scoreThreshold: 0.1, postThreshold: 0.1 });
    expect(r[1].score).toBeCloseTo(0.8 * Math.exp(-2 / 9), 12);
    expect(r[2].score).toBeCloseTo(0.7 * Math.exp(-2 / 9), 12); // by B: exp((1/9 - 1/49)·2) > 1
  });

  it('compensates by the suppressor’s own max IoU', () => {
    // A alone; B, C, D overlap: IoU(B,C) = 9/11, IoU(B,D) = 8/12, IoU(C,D) = 9/11.
    const b: Box[] = [[0, 0, 10, 10], [20, 0, 30, 10], [21, 0, 31, 10], [22, 0, 32, 10]];
    const s = [0.9, 0.8, 0.7, 0.6];
    const lin = matrixNms(b, s, { kernel: 'linear', scoreThreshold: 0, postThreshold: 0 });
    const byIndex = new Map(lin.map((x) => [x.index, x.score]));
    expect(byIndex.get(1)).toBeCloseTo(0.8, 12);
    expect(byIndex.get(2)).toBeCloseTo(0.7 * (2 / 11), 12);
    // D: by B (1 - 2/3) / 1 = 1/3; by C (1 - 9/11) / (1 - 9/11) = 1 → 1/3 (2/11 without compensation).
    expect(byIndex.get(3)).toBeCloseTo(0.6 / 3, 12);
    expect(lin.map((x) => x.index)).toEqual([0, 1, 3, 2]); // sorted by decayed score
    const gau = matrixNms(b, s, { kernel: 'gaussian', scoreThreshold: 0, postThreshold: 0 });
    expect(gau.find((x) => x.index === 3)?.score).toBeCloseTo(0.6 * Math.exp(-(4 / 9) * 2), 12);
  });

  it('thresholds, top-k and classes', () => {
    const base = { kernel: 'linear' as const, scoreThreshold: 0.1 };
    // postThreshold is strict: C decays to 0.4667, B to 0.5333.
    expect(matrixNms(boxes, scores, { ...base, postThreshold: 0.5 }).map((x) => x.index)).toEqual([0, 1]);
    expect(matrixNms(boxes, scores, { ...base, scoreThreshold: 0.8, postThreshold: 0 }).map((x) => x.index)).toEqual([0]);
    expect(matrixNms(boxes, scores, { ...base, postThreshold: 0, keepTopK: 2 }).map((x) => x.index)).toEqual([0, 1]);
    // nmsTopK 1 keeps only A before decay.
    expect(matrixNms(boxes, scores, { ...base, postThreshold: 0, nmsTopK: 1 }).map((x) => x.index)).toEqual([0]);
    // Different classes do not decay each other.
    const r = matrixNms(boxes, scores, { ...base, postThreshold: 0, classIds: [0, 1, 2] });
    expect(r.map((x) => x.score)).toEqual([0.9, 0.8, 0.7]);
  });

  it('pixel coordinates use the +1 area convention when normalized is false', () => {
    // Areas 10x10 = 100 each, intersection (9-5+1) x 10 = 50, IoU = 1/3.
    const r = matrixNms([[0, 0, 9, 9], [5, 0, 14, 9]], [0.9, 0.6], { kernel: 'linear', scoreThreshold: 0, postThreshold: 0, normalized: false });
    expect(r[1].score).toBeCloseTo(0.6 * (2 / 3), 12);
  });
});
