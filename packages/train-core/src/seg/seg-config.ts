/** The settings of a train seg run, their defaults, and `config.json` for resume. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, writeFileAtomic } from '@modelkit/core';
import type { SegAugment } from './seg-dataset';
import { SEG_AUGMENTS } from './seg-dataset';
import { SEG_LOSSES, type SegLossName } from './seg-losses';

/** Architectures of train seg. */
export const SEG_MODELS = ['deeplabv3p', 'unet', 'fast'] as const;
/** One of {@link SEG_MODELS}. */
export type SegModelName = (typeof SEG_MODELS)[number];
/** Optimizers of train seg. */
export const SEG_OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;

/** Everything that decides a run (saved as `config.json`; a resume reuses it). */
export interface SegTrainConfig {
  model: SegModelName;
  /** `mobilenetv2` (pretrained, deeplabv3p only) or `none`. */
  backbone: 'mobilenetv2' | 'none';
  /** Square input side: images are stretched to it (as the seg kit does at inference). */
  size: number;
  /** Channel width multiplier of models trained from scratch. */
  width: number;
  epochs: number;
  batchSize: number;
  microBatch?: number;
  lr: number;
  optimizer: (typeof SEG_OPTIMIZERS)[number];
  loss: SegLossName;
  ohem: boolean;
  augment: SegAugment;
  ema: boolean;
  seed: number;
  valSplit: number;
  /** `FROM:TO,...` label remap applied to every mask. */
  remap?: string;
}

/** Defaults (size and lr depend on the model, see {@link freshSegConfig}). */
export const SEG_DEFAULTS = {
  model: 'deeplabv3p',
  width: 1,
  epochs: 20,
  batchSize: 8,
  optimizer: 'adam',
  loss: 'ce',
  ohem: false,
  augment: 'standard',
  ema: false,
  seed: 0,
  valSplit: 0.2,
} as const;

/** Default input side per model: moderate, since wasm training is CPU-bound (MobileNetV2 at 224² ≈ 0.2 s per image per step here). */
export const SEG_DEFAULT_SIZE: Record<SegModelName, number> = { deeplabv3p: 224, unet: 128, fast: 256 };

/** The divisor each model's input side needs. */
const SIZE_MULTIPLE: Record<SegModelName, number> = { deeplabv3p: 16, unet: 16, fast: 32 };

/** A full config from partial settings, with defaults filled in and every value checked. */
export function freshSegConfig(p: Partial<SegTrainConfig>): SegTrainConfig {
  const model = p.model ?? SEG_DEFAULTS.model;
  if (!(SEG_MODELS as readonly string[]).includes(model)) throw new InvalidArgumentError(`--model must be one of ${SEG_MODELS.join(', ')}, got ${model}`);
  const backbone = p.backbone ?? (model === 'deeplabv3p' ? 'mobilenetv2' : 'none');
  const c: SegTrainConfig = {
    model,
    backbone,
    size: p.size ?? SEG_DEFAULT_SIZE[model],
    width: p.width ?? SEG_DEFAULTS.width,
    epochs: p.epochs ?? SEG_DEFAULTS.epochs,
    batchSize: p.batchSize ?? SEG_DEFAULTS.batchSize,
    // DeepLabV3+ at 224² and batch 8 runs out of the wasm backend's 4 GiB in one piece (measured): accumulate 2 × 4.
    microBatch: p.microBatch ?? (model === 'deeplabv3p' ? 4 : undefined),
    lr: p.lr ?? (p.optimizer === 'sgd' ? 0.01 : backbone === 'mobilenetv2' ? 1e-3 : 3e-3),
    optimizer: p.optimizer ?? SEG_DEFAULTS.optimizer,
    loss: p.loss ?? SEG_DEFAULTS.loss,
    ohem: p.ohem ?? SEG_DEFAULTS.ohem,
    augment: p.augment ?? SEG_DEFAULTS.augment,
    ema: p.ema ?? SEG_DEFAULTS.ema,
    seed: p.seed ?? SEG_DEFAULTS.seed,
    valSplit: p.valSplit ?? SEG_DEFAULTS.valSplit,
    remap: p.remap,
  };
  const m = SIZE_MULTIPLE[model];
  if (!(Number.isInteger(c.size) && c.size >= 32 && c.size % m === 0)) throw new InvalidArgumentError(`--size must be a multiple of ${m} (>= 32) for ${model}, got ${c.size}`);
  if (backbone !== 'mobilenetv2' && backbone !== 'none') throw new InvalidArgumentError(`--backbone must be mobilenetv2 or none, got ${String(backbone)}`);
  if (backbone === 'mobilenetv2' && model !== 'deeplabv3p') throw new InvalidArgumentError(`--backbone mobilenetv2 works with --model deeplabv3p, not ${model}`);
  for (const [k, v] of [['epochs', c.epochs], ['batchSize', c.batchSize]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(`${k} must be an integer >= 1, got ${v}`);
  }
  if (c.microBatch !== undefined && !(Number.isInteger(c.microBatch) && c.microBatch >= 1)) throw new InvalidArgumentError(`--micro-batch must be an integer >= 1, got ${c.microBatch}`);
  if (!(c.lr > 0)) throw new InvalidArgumentError(`--lr must be > 0, got ${c.lr}`);
  if (!(c.width > 0)) throw new InvalidArgumentError(`--width must be > 0, got ${c.width}`);
  if (!(c.valSplit >= 0 && c.valSplit < 1)) throw new InvalidArgumentError(`--val-split must be in [0, 1), got ${c.valSplit}`);
  if (!(SEG_OPTIMIZERS as readonly string[]).includes(c.optimizer)) throw new InvalidArgumentError(`--optimizer must be one of ${SEG_OPTIMIZERS.join(', ')}`);
  if (!(SEG_LOSSES as readonly string[]).includes(c.loss)) throw new InvalidArgumentError(`--loss must be one of ${SEG_LOSSES.join(', ')}`);
  if (!(SEG_AUGMENTS as readonly string[]).includes(c.augment)) throw new InvalidArgumentError(`--augment must be one of ${SEG_AUGMENTS.join(', ')}`);
  return c;
}

const CONFIG_FILE = 'config.json';

/** Writes `OUT/config.json`. */
export async function writeSegConfig(out: string, config: SegTrainConfig, classNames: string[]): Promise<void> {
  await writeFileAtomic(join(out, CONFIG_FILE), `${JSON.stringify({ task: 'seg', config, classNames }, null, 2)}\n`);
}

/** Reads `OUT/config.json` of an earlier run, or undefined when there is none. */
export async function readSegConfig(out: string): Promise<{ config: SegTrainConfig; classNames: string[] } | undefined> {
  const file = join(out, CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as { task?: string; config: SegTrainConfig; classNames: string[] };
    if (j.task !== 'seg') throw new Error('not a train seg run');
    return { config: freshSegConfig(j.config), classNames: j.classNames };
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file} is not the config of a train seg run; use another --out or drop --resume`, { cause: err, details: { file } });
  }
}
