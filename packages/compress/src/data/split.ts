/**
 * Calibration and validation must not share images: an image in both sets goes to exactly
 * one of them, by a hash of its path, so the split is the same on every run and machine.
 */
import type { ImageSet } from './images';
import { pathKey } from './images';

/** How the images were divided. */
export interface CalibValSplit {
  /** Calibration images, in the order they are used. */
  calibration: string[];
  /** Validation images (labelled), when a validation set was given. */
  validation: string[];
  /** Images listed in both sets before the split. */
  shared: number;
  /** The rule, in words, for reports. */
  rule: string;
}

/**
 * Splits: images only in `calib` calibrate, images only in `val` validate, images in both
 * go to calibration when the sha256 of their path (relative to the validation data folder)
 * is even, else to validation. Calibration takes at most `calibLimit` images and validation
 * `valLimit`, both in hash order (a fixed pseudo-random sample).
 */
export function splitCalibVal(calib: ImageSet, val: ImageSet | undefined, options: { calibLimit?: number; valLimit?: number } = {}): CalibValSplit {
  const base = val?.dataDir ?? calib.dataDir ?? '/';
  const key = (p: string): number => pathKey(p, base);
  const valSet = new Set(val?.images ?? []);
  const calibSet = new Set(calib.images);
  const shared = calib.images.filter((p) => valSet.has(p));
  const toCalib = new Set(shared.filter((p) => key(p) % 2 === 0));
  const byKey = (a: string, b: string): number => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0);
  const calibration = calib.images.filter((p) => !valSet.has(p) || toCalib.has(p)).sort(byKey);
  const validation = (val?.images ?? []).filter((p) => !calibSet.has(p) || !toCalib.has(p)).sort(byKey);
  const rule =
    shared.length === 0
      ? 'calibration and validation images are disjoint'
      : `${shared.length} images were in both sets: each went to calibration when sha256(path relative to ${base}) is even, else to validation`;
  return {
    calibration: options.calibLimit === undefined ? calibration : calibration.slice(0, options.calibLimit),
    validation: options.valLimit === undefined ? validation : validation.slice(0, options.valLimit),
    shared: shared.length,
    rule,
  };
}
