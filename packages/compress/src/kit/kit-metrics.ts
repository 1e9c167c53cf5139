/**
 * The headline metrics the accuracy budget watches, per kit: paths into the kit's
 * evaluation report, each a fraction in [0, 1] (losses are reported in points, x100).
 */
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** Metrics of the kits modelkit ships; any other kit needs `metrics` (or goes by output agreement). */
export const KIT_METRICS: Readonly<Record<string, readonly string[]>> = {
  det: ['metrics.AP'],
  ocr: ['detection.hmean', 'endToEnd.hmean'],
  seg: ['personIoU'],
};

/**
 * The number at a dotted `path` of an evaluation report.
 * @throws ModelkitError `E_INVALID_ARGUMENT` when it is not a finite number.
 */
export function readMetric(report: unknown, path: string): number {
  let v: unknown = report;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `the evaluation report has no number at '${path}'`, { details: { metric: path } });
  }
  return v;
}

/** Loss in points (x100) of each metric of `actual` against `baseline`: positive = worse. */
export function lossInPoints(baseline: Readonly<Record<string, number>>, actual: Readonly<Record<string, number>>): number {
  let worst = -Infinity;
  for (const [k, b] of Object.entries(baseline)) worst = Math.max(worst, 100 * (b - (actual[k] ?? -Infinity)));
  return worst;
}
