import { InvalidArgumentError } from '@modelkit/core';
import { DB_DEFAULTS } from './db-postprocess';
import type { DbOptions } from './db-postprocess';
import { detInputSpec } from './input-spec';
import type { OcrOptions } from './types';

/** Every {@link OcrOptions} knob that has a default, resolved. */
export type ResolvedOcrOptions = Required<DbOptions> & {
  useAngleCls: boolean;
  clsThresh: number;
  clsVerify: boolean;
  clsBatchSize: number;
  recBatchSize: number;
  recMinWidth: number;
  dropScore: number;
  limitSideLen: number;
  limitType: 'max' | 'min';
  lineTolerance: number;
  useSpaceChar: boolean;
  cropInterpolation: 'bicubic' | 'bilinear';
};

const DEFAULTS: ResolvedOcrOptions = {
  ...DB_DEFAULTS,
  useAngleCls: true,
  clsThresh: 0.9,
  clsVerify: true,
  clsBatchSize: 6,
  recBatchSize: 6,
  recMinWidth: 320,
  dropScore: 0.5,
  // The default detector's; Ocr.create takes a given detector's own from its card.
  limitSideLen: detInputSpec(undefined).limitSideLen,
  limitType: 'max',
  lineTolerance: 10,
  useSpaceChar: true,
  cropInterpolation: 'bicubic',
};

/** {@link OcrOptions} with defaults filled in, checked. */
export function resolveOptions(options: OcrOptions): ResolvedOcrOptions {
  const o: ResolvedOcrOptions = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedOcrOptions)[]) {
    const v = options[key];
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
  }
  const positive: (keyof ResolvedOcrOptions)[] = ['clsBatchSize', 'recBatchSize', 'recMinWidth', 'limitSideLen', 'maxCandidates', 'unclipRatio'];
  for (const key of positive) {
    const v = o[key];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      throw new InvalidArgumentError(`Ocr option ${key} must be a positive number, got ${String(v)}`);
    }
  }
  const unit: (keyof ResolvedOcrOptions)[] = ['thresh', 'boxThresh', 'clsThresh', 'dropScore'];
  for (const key of unit) {
    const v = o[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InvalidArgumentError(`Ocr option ${key} must be in [0, 1], got ${String(v)}`);
  }
  if (o.limitType !== 'max' && o.limitType !== 'min') throw new InvalidArgumentError(`Ocr option limitType must be 'max' or 'min'`);
  if (o.scoreMode !== 'fast' && o.scoreMode !== 'slow') throw new InvalidArgumentError(`Ocr option scoreMode must be 'fast' or 'slow'`);
  if (o.cropInterpolation !== 'bicubic' && o.cropInterpolation !== 'bilinear') {
    throw new InvalidArgumentError(`Ocr option cropInterpolation must be 'bicubic' or 'bilinear'`);
  }
  if (o.boxType !== 'quad' && o.boxType !== 'poly') throw new InvalidArgumentError(`Ocr option boxType must be 'quad' or 'poly'`);
  return o;
}
