/** Settings of `videotag train` (saved as OUT/config.json; a resume must match them). */
import { InvalidArgumentError } from '@modelkit/core';

/** Head kinds by their short CLI names. */
export const HEAD_NAMES = { lstm: 'attention-lstm', cluster: 'attention-cluster', nextvlad: 'nextvlad', mean: 'mean-pool' } as const;

/** A head's short name. */
export type HeadName = keyof typeof HEAD_NAMES;

/** The feature blocks a head can read. */
export type FeatureSet = 'rgb' | 'rgb+objects';

/** Everything that decides a training run. */
export interface TrainTaggerConfig {
  /** Heads to train; several are fused by weighted averaging (weights: their validation GAP). */
  heads: HeadName[];
  /** `lite` (CPU-sized, default) or `paddle` (the anchors' sizes). */
  preset: 'lite' | 'paddle';
  /** TSN segments per video. */
  segments: number;
  /** Frames cached per segment: training picks one at random each epoch (TSN), validation the middle one (the segment centre when odd). */
  perSegment: number;
  features: FeatureSet;
  epochs: number;
  batchSize: number;
  /** Peak learning rate of a cosine schedule with 5% warm-up (Adam). */
  lr: number;
  seed: number;
  /** Share of each label's videos held out for validation when DIR has no train/val split. */
  valSplit: number;
  /** Keep an exponential moving average of the weights and export it. */
  ema: boolean;
  /** Decode keyframes only (much faster on long videos; frames snap to keyframes). */
  keyframesOnly: boolean;
}

/** Defaults of {@link TrainTaggerConfig}. */
export const TRAIN_DEFAULTS: TrainTaggerConfig = {
  heads: ['lstm'],
  preset: 'lite',
  segments: 16,
  perSegment: 3,
  features: 'rgb+objects',
  epochs: 30,
  batchSize: 16,
  lr: 1e-3,
  seed: 0,
  valSplit: 0.2,
  ema: false,
  keyframesOnly: false,
};

/** Parses `lstm,cluster` (or `all`) into head names. */
export function parseHeads(text: string): HeadName[] {
  const names = text === 'all' ? (Object.keys(HEAD_NAMES) as HeadName[]) : text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in HEAD_NAMES)) throw new InvalidArgumentError(`--heads: unknown head '${n}'; choose from ${Object.keys(HEAD_NAMES).join(', ')} or all`);
  }
  if (names.length === 0) throw new InvalidArgumentError('--heads: name at least one head');
  return [...new Set(names)] as HeadName[];
}

/**
 * Checks a configuration.
 * @throws InvalidArgumentError naming the bad setting.
 */
export function checkTrainConfig(c: TrainTaggerConfig): void {
  const int = (v: number, what: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw new InvalidArgumentError(`${what} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int(c.segments, '--segments', 1, 1000);
  int(c.perSegment, '--per-segment', 1, 9);
  int(c.epochs, '--epochs', 1);
  int(c.batchSize, '--batch-size', 1);
  int(c.seed, '--seed', 0);
  if (!(c.lr > 0 && c.lr < 1)) throw new InvalidArgumentError(`--lr must be in (0, 1), got ${c.lr}`);
  if (!(c.valSplit >= 0 && c.valSplit < 1)) throw new InvalidArgumentError(`--val-split must be in [0, 1), got ${c.valSplit}`);
  if (c.preset !== 'lite' && c.preset !== 'paddle') throw new InvalidArgumentError(`--preset must be lite or paddle, got ${c.preset}`);
  if (c.features !== 'rgb' && c.features !== 'rgb+objects') throw new InvalidArgumentError(`--features must be rgb or rgb+objects, got ${c.features}`);
}
