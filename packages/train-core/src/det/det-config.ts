/**
 * The settings of one `train det` run and its presets. Saved as `OUT/det-config.json` so
 * `--resume` rebuilds the same model, split and schedule; only `epochs` and `microBatch`
 * may change on a resume.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, writeFileAtomic } from '@modelkit/core';
import type { DetBoxLoss } from './gfl-loss';

/** Presets of `train det`: `default` fine-tunes the backbone's upper blocks; `small-data` freezes it and lowers the LR (few hundred images or fewer). */
export const DET_TRAIN_PRESETS = ['default', 'small-data'] as const;
export type DetTrainPreset = (typeof DET_TRAIN_PRESETS)[number];

/** Box terms `train det` offers. */
export const DET_BOX_LOSSES: readonly DetBoxLoss[] = ['giou', 'balanced-l1'];

/** Everything that defines a detection run. */
export interface DetConfig {
  preset: DetTrainPreset;
  /** Square input side, a multiple of 32. */
  size: number;
  epochs: number;
  batchSize: number;
  /** Gradient accumulation: micro-batches of at most this many images (a memory setting). */
  microBatch?: number;
  /** Peak learning rate of the cosine schedule (after a linear warm-up) for the neck and head. */
  lr: number;
  /** Learning-rate multiplier of the trainable backbone blocks. */
  backboneLrScale: number;
  /** Backbone blocks (of 17, from the stem) kept frozen; 17 = whole backbone. */
  frozenBlocks: number;
  /** Warm-up steps of the schedule. */
  warmupSteps: number;
  weightDecay: number;
  /** Exponential moving average of the weights (evaluated and exported); 0 = off. */
  emaDecay: number;
  regMax: number;
  neckChannels: number;
  boxLoss: DetBoxLoss;
  /** Probability of a 4-image mosaic per training sample. */
  mosaic: number;
  /** `none` turns every augmentation off (letterbox only). */
  augment: 'default' | 'none';
  /** Fraction of the images held out when the data has no split of its own. */
  valSplit: number;
  seed: number;
  /** Warn when validation AP@.5 is still 0 after this many epochs. */
  apWarnEpochs: number;
  /** Start from the shipped ImageNet MobileNetV2 (false only for tests and experiments). */
  pretrained: boolean;
}

/** Defaults per preset. */
export const DET_TRAIN_PRESET_CONFIGS: Record<DetTrainPreset, Omit<DetConfig, 'seed' | 'valSplit' | 'boxLoss' | 'mosaic' | 'augment' | 'apWarnEpochs' | 'pretrained' | 'preset'>> = {
  default: {
    size: 320, epochs: 30, batchSize: 16, lr: 2e-3, backboneLrScale: 0.5, frozenBlocks: 6, warmupSteps: 50,
    weightDecay: 0.05, emaDecay: 0.998, regMax: 7, neckChannels: 96,
  },
  'small-data': {
    size: 320, epochs: 30, batchSize: 16, lr: 1e-3, backboneLrScale: 0, frozenBlocks: 17, warmupSteps: 30,
    weightDecay: 0.05, emaDecay: 0.995, regMax: 7, neckChannels: 96,
  },
};

/** A run's settings from a preset and overrides. */
export function detConfig(preset: DetTrainPreset, overrides: Partial<DetConfig> = {}): DetConfig {
  if (!DET_TRAIN_PRESETS.includes(preset)) throw new InvalidArgumentError(`preset must be one of ${DET_TRAIN_PRESETS.join(', ')}, got ${String(preset)}`);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<DetConfig>;
  const c: DetConfig = {
    ...DET_TRAIN_PRESET_CONFIGS[preset],
    seed: 0, valSplit: 0.2, boxLoss: 'giou', mosaic: 0, augment: 'default', apWarnEpochs: 10, pretrained: true,
    ...defined,
    preset,
  };
  const int = (v: number, name: string, min: number, max = Infinity): void => {
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int(c.size, 'size', 32);
  if (c.size % 32 !== 0) throw new InvalidArgumentError(`size must be a multiple of 32 (the largest stride), got ${c.size}`);
  int(c.epochs, 'epochs', 1);
  int(c.batchSize, 'batch size', 1);
  if (c.microBatch !== undefined) int(c.microBatch, 'micro-batch', 1);
  int(c.frozenBlocks, 'frozen blocks', 0, 17);
  int(c.regMax, 'regMax', 1);
  int(c.warmupSteps, 'warm-up steps', 0);
  if (!(c.lr > 0)) throw new InvalidArgumentError(`lr must be > 0, got ${c.lr}`);
  if (!(c.valSplit >= 0 && c.valSplit < 1)) throw new InvalidArgumentError(`val split must be in [0, 1), got ${c.valSplit}`);
  if (!(c.mosaic >= 0 && c.mosaic <= 1)) throw new InvalidArgumentError(`mosaic must be a probability in [0, 1], got ${c.mosaic}`);
  if (!(c.emaDecay >= 0 && c.emaDecay < 1)) throw new InvalidArgumentError(`ema decay must be in [0, 1), got ${c.emaDecay}`);
  if (!DET_BOX_LOSSES.includes(c.boxLoss)) throw new InvalidArgumentError(`box loss must be one of ${DET_BOX_LOSSES.join(', ')}, got ${c.boxLoss}`);
  return c;
}

/** Name of the saved settings in a run folder. */
const DET_CONFIG_FILE = 'det-config.json';

/** Saves `config` with the data it was made for. */
export async function saveDetConfig(out: string, config: DetConfig, data: string): Promise<void> {
  await writeFileAtomic(join(out, DET_CONFIG_FILE), `${JSON.stringify({ data, config }, null, 2)}\n`);
}

/** The saved settings of a run folder, or undefined when there are none. */
export async function loadDetConfig(out: string): Promise<{ data: string; config: DetConfig } | undefined> {
  const path = join(out, DET_CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { data: string; config: DetConfig };
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${path} is not valid JSON; delete it to start a new run`, { cause: err });
  }
}
