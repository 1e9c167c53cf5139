import { ErrorCodes } from '@modelkit/core';
import type { Box } from '@modelkit/core';
import { DET_PRESETS, resolvePostprocess, suppress } from '../src';

const a: Box = [0, 0, 100, 100];
const b: Box = [5, 5, 105, 105]; // IoU with a = 9025 / 10975 ≈ 0.822
const c: Box = [200, 200, 300, 300];

describe('suppress', () => {
  it('hard NMS suppresses overlaps within a class only', () => {
    const cand = { boxes: [a, b, b, c], scores: [0.9, 0.8, 0.7, 0.6], classIds: [0, 0, 1, 0] };
    const kept = suppress(cand, resolvePostprocess(DET_PRESETS.eval));
    expect(kept.map((k) => k.index)).toEqual([0, 2, 3]);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7, 0.6]);
  });

  it('class-agnostic NMS lets any class suppress any other', () => {
    const cand = { boxes: [a, b, c], scores: [0.9, 0.8, 0.6], classIds: [0, 1, 0] };
    expect(suppress(cand, resolvePostprocess(DET_PRESETS.eval, { classAgnostic: true })).map((k) => k.index)).toEqual([0, 2]);
  });

  it('keeps at most maxDetections', () => {
    const cand = { boxes: [a, c, b], scores: [0.9, 0.8, 0.7], classIds: [0, 0, 1] };
    expect(suppress(cand, resolvePostprocess(DET_PRESETS.eval, { maxDetections: 2 })).map((k) => k.index)).toEqual([0, 1]);
  });

  it('Matrix NMS decays the overlapping box instead of removing it', () => {
    const cand = { boxes: [a, b, c], scores: [0.9, 0.8, 0.6], classIds: [0, 0, 0] };
    const kept = suppress(cand, resolvePostprocess(DET_PRESETS.eval, { nms: 'matrix' }));
    const iou = 9025 / 10975;
    // Gaussian, sigma 2 (Paddle multiplies): decay = exp((0 - iou^2) * 2).
    expect(kept.map((k) => k.index)).toEqual([0, 2, 1]);
    expect(kept[2].score).toBeCloseTo(0.8 * Math.exp(-2 * iou * iou), 6);
    expect(kept[1].score).toBeCloseTo(0.6, 6);
    // Linear kernel: 1 - iou.
    const lin = suppress(cand, resolvePostprocess(DET_PRESETS.eval, { nms: 'matrix', matrixKernel: 'linear' }));
    expect(lin.find((k) => k.index === 1)?.score).toBeCloseTo(0.8 * (1 - iou), 6);
    // A post threshold above the decayed score drops it.
    const strict = suppress(cand, resolvePostprocess(DET_PRESETS.eval, { nms: 'matrix', matrixPostThreshold: 0.3 }));
    expect(strict.map((k) => k.index)).toEqual([0, 2]);
  });

  it('rejects bad knobs with E_INVALID_ARGUMENT', () => {
    for (const bad of [{ scoreThreshold: 2 }, { iouThreshold: -1 }, { maxDetections: 1.5 }, { nms: 'soft' as 'hard' }, { scoreThreshold: Number.NaN }]) {
      expect(() => resolvePostprocess(DET_PRESETS.visual, bad)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    }
  });

  it('presets: visual 0.35 and eval 0.05, both 100 boxes', () => {
    expect(DET_PRESETS.visual.scoreThreshold).toBe(0.35);
    expect(DET_PRESETS.eval.scoreThreshold).toBe(0.05);
    expect(DET_PRESETS.eval.maxDetections).toBe(100);
  });
});
