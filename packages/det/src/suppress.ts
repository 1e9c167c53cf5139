import { InvalidArgumentError, matrixNms, nms } from '@modelkit/core';
import type { GflCandidates } from './gfl-decode';
import type { DetPreset, NmsKind, PostprocessOptions } from './types';

/** Every post-processing knob, resolved. */
export interface ResolvedPostprocess {
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  nmsPre: number;
  nms: NmsKind;
  matrixKernel: 'gaussian' | 'linear';
  matrixSigma: number;
  matrixPostThreshold: number | undefined;
  classAgnostic: boolean;
}

/** Knobs both presets share; they differ only in the score threshold. */
const PRESET_BASE: Omit<ResolvedPostprocess, 'scoreThreshold'> = {
  iouThreshold: 0.6,
  maxDetections: 100,
  nmsPre: 1000,
  nms: 'hard',
  matrixKernel: 'gaussian',
  matrixSigma: 2,
  matrixPostThreshold: undefined,
  classAgnostic: false,
};

/** The presets. `visual` uses NanoDet's demo threshold; `eval` NanoDet's and COCO's test setting. */
export const DET_PRESETS: Readonly<Record<DetPreset, Readonly<ResolvedPostprocess>>> = Object.freeze({
  visual: Object.freeze({ ...PRESET_BASE, scoreThreshold: 0.35 }),
  eval: Object.freeze({ ...PRESET_BASE, scoreThreshold: 0.05 }),
});

function checkNumber(v: unknown, name: string, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${name} must be a number in ${min}..${max}, got ${String(v)}`, { details: { option: name, value: v } });
  }
}

/** Fills in a preset and checks every knob; throws InvalidArgumentError on bad values. */
export function resolvePostprocess(base: Readonly<ResolvedPostprocess>, o: PostprocessOptions = {}): ResolvedPostprocess {
  const defined = Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k in base)) as Partial<ResolvedPostprocess>;
  const r: ResolvedPostprocess = { ...base, ...defined };
  checkNumber(r.scoreThreshold, 'scoreThreshold', 0, 1);
  checkNumber(r.iouThreshold, 'iouThreshold', 0, 1);
  checkNumber(r.maxDetections, 'maxDetections', 0, 1e6);
  checkNumber(r.nmsPre, 'nmsPre', 1, 1e7);
  if (!Number.isInteger(r.maxDetections) || !Number.isInteger(r.nmsPre)) throw new InvalidArgumentError('maxDetections and nmsPre must be integers');
  if (r.nms !== 'hard' && r.nms !== 'matrix') throw new InvalidArgumentError(`nms must be 'hard' or 'matrix', got ${String(r.nms)}`);
  if (r.matrixKernel !== 'gaussian' && r.matrixKernel !== 'linear') throw new InvalidArgumentError(`matrixKernel must be 'gaussian' or 'linear', got ${String(r.matrixKernel)}`);
  checkNumber(r.matrixSigma, 'matrixSigma', 0, 1e3);
  if (r.matrixPostThreshold !== undefined) checkNumber(r.matrixPostThreshold, 'matrixPostThreshold', 0, 1);
  return r;
}

/**
 * Suppresses duplicate candidates: per-class hard NMS (mmdetection's batched NMS) or
 * per-class Matrix NMS, both from @modelkit/core. Returns kept candidate indices with their
 * (possibly decayed) scores, score-descending, at most `maxDetections`.
 */
export function suppress(c: GflCandidates, o: ResolvedPostprocess): { index: number; score: number }[] {
  const classIds = o.classAgnostic ? undefined : c.classIds;
  if (o.nms === 'matrix') {
    return matrixNms(c.boxes, c.scores, {
      kernel: o.matrixKernel,
      gaussianSigma: o.matrixSigma,
      scoreThreshold: o.scoreThreshold,
      postThreshold: o.matrixPostThreshold ?? o.scoreThreshold,
      nmsTopK: o.nmsPre,
      keepTopK: o.maxDetections,
      classIds,
    });
  }
  return nms(c.boxes, c.scores, { iouThreshold: o.iouThreshold, scoreThreshold: o.scoreThreshold, maxDetections: o.maxDetections, classIds }).map((index) => ({
    index,
    score: c.scores[index],
  }));
}
