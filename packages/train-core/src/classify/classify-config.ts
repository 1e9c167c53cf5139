/**
 * The settings of one `train classify` run. They are saved as `OUT/config.json` on the
 * first run so `--resume` rebuilds exactly the same model, split, optimizer and
 * augmentation; only `epochs` may change on a resume (to train longer).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, writeFileAtomic } from '@modelkit/core';
import { MOBILENET_V2_BLOCKS } from '../models/mobilenet-v2';
import { PRETRAINED_BACKBONES, type PretrainedBackbone } from '../pretrained/pretrained-backbone';

/** Architectures `train classify` can build. */
export const CLASSIFY_MODELS = ['small-cnn', 'mobilenet-v2'] as const;
/** Optimizers `train classify` can use. */
export const CLASSIFY_OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
/** Augmentation presets of `train classify`. */
export const CLASSIFY_AUGMENTS = ['none', 'basic', 'randaugment'] as const;

export type ClassifyModel = (typeof CLASSIFY_MODELS)[number];
export type ClassifyOptimizer = (typeof CLASSIFY_OPTIMIZERS)[number];
export type ClassifyAugment = (typeof CLASSIFY_AUGMENTS)[number];

/** Everything that defines a classification run (what `config.json` holds). */
export interface ClassifyConfig {
  /** Architecture trained from scratch; unused with a pretrained backbone. */
  model: ClassifyModel;
  /**
   * `none`: train `model` from scratch. `mobilenetv2`: transfer learning from the shipped
   * ImageNet-initialised MobileNetV2 — a head on the frozen backbone's cached features for
   * `headEpochs`, then the top `unfreeze` blocks and the head for `epochs`.
   */
  pretrained: 'none' | PretrainedBackbone;
  /** With a backbone: epochs of the head alone on the frozen, cached features (before fine-tuning). */
  headEpochs: number;
  /** With a backbone: top blocks (of 17) trained in the fine-tuning phase; 0 = frozen backbone, the head trains for `epochs`. */
  unfreeze: number;
  /** With a backbone: learning-rate and weight-decay multiplier of the unfrozen blocks, relative to the head's. */
  backboneLrScale: number;
  /** Square input side in pixels. */
  size: number;
  epochs: number;
  batchSize: number;
  /**
   * Gradient accumulation (`--micro-batch`): each step of `batchSize` images runs as
   * micro-batches of at most this many (same update, less memory; batch norm sees
   * micro-batch statistics). Absent, or ≥ `batchSize`: the whole batch at once. A memory
   * setting: `--resume` may change it.
   */
  microBatch?: number;
  /** Peak learning rate of the cosine schedule (after a linear warmup). */
  lr: number;
  optimizer: ClassifyOptimizer;
  augment: ClassifyAugment;
  /** Seeds the split, the weight init, shuffles and augmentations. */
  seed: number;
  /** Fraction of each class held out for validation when DATA has no train/val folders. */
  valSplit: number;
  /** Knowledge distillation from a teacher (`--teacher`); absent when the run has none. */
  distill?: DistillConfig;
}

/**
 * The teacher of a distilled run and how its soft targets weigh: `loss = alpha·T²·KL(teacher
 * ‖ student at temperature T) + (1 − alpha)·CE`. Saved so `--resume` reloads the same teacher
 * and refuses any other.
 */
export interface DistillConfig {
  /** The teacher as given: an `.onnx` file, a run folder or a registry id. */
  teacher: string;
  /** Absolute path of its ONNX file when the run started. */
  path: string;
  /** sha256 of that file. */
  sha256: string;
  /** Softmax temperature T of the soft targets. */
  temperature: number;
  /** Weight of the distillation term; the cross-entropy with the labels gets 1 − alpha. */
  alpha: number;
}

/** Defaults of the distillation flags (Hinton et al.'s T = 4 is the usual choice for few classes). */
export const DISTILL_DEFAULTS = { temperature: 4, alpha: 0.7 } as const;

/** Defaults of {@link ClassifyConfig}; the learning rate depends on the optimizer (and the size on the backbone). */
export const CLASSIFY_DEFAULTS: Omit<ClassifyConfig, 'lr'> = {
  model: 'small-cnn',
  pretrained: 'none',
  headEpochs: 20,
  unfreeze: 3,
  backboneLrScale: 0.3,
  size: 64,
  epochs: 10,
  batchSize: 16,
  optimizer: 'adam',
  augment: 'basic',
  seed: 0,
  valSplit: 0.2,
};

/** Input side with a pretrained backbone unless `size` is given: the size its weights were trained at. */
export const PRETRAINED_DEFAULT_SIZE = 224;

/**
 * Default peak learning rate per optimizer (SGD with momentum wants a larger one). With a
 * pretrained backbone it is the head's rate on frozen features (Adam 1e-2: one linear layer
 * on fixed, unnormalised ReLU6 features takes a larger step than a network from scratch; the
 * Fashion-MNIST table in the README was trained with it); fine-tuning uses 0.3× of it.
 */
export function defaultLr(optimizer: ClassifyOptimizer, pretrained: ClassifyConfig['pretrained'] = 'none'): number {
  if (pretrained !== 'none') return optimizer === 'sgd' ? 0.1 : 1e-2;
  return optimizer === 'sgd' ? 0.05 : 3e-3;
}

const CONFIG_FILE = 'config.json';

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ModelkitError(ErrorCodes.USAGE, `${flag} must be one of ${allowed.join(', ')}; got ${String(value)}`);
}

function checkNumber(value: number | undefined, flag: string, ok: (v: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || !ok(value)) throw new ModelkitError(ErrorCodes.USAGE, `${flag} must be ${rule}, got ${value}`);
  return value;
}

const isInt = (v: number): boolean => Number.isInteger(v);

/**
 * Settings given explicitly (flags or API); absent ones take the defaults or, on resume, the
 * saved run's. The teacher is given as `teacher` / `distillTemperature` / `distillAlpha`
 * options of `trainClassifier`: its record needs the file's hash, see {@link distillConfig}.
 */
export type PartialClassifyConfig = Partial<Omit<ClassifyConfig, 'distill'>>;

/** Validates explicitly given settings (usage errors name the flag). */
export function checkPartialConfig(c: PartialClassifyConfig): PartialClassifyConfig {
  return {
    model: oneOf(c.model, CLASSIFY_MODELS, '--model'),
    pretrained: oneOf(c.pretrained, ['none', ...PRETRAINED_BACKBONES], '--backbone'),
    headEpochs: checkNumber(c.headEpochs, '--head-epochs', (v) => isInt(v) && v >= 0, 'an integer >= 0'),
    unfreeze: checkNumber(c.unfreeze, '--unfreeze', (v) => isInt(v) && v >= 0 && v <= MOBILENET_V2_BLOCKS, `an integer in [0, ${MOBILENET_V2_BLOCKS}]`),
    backboneLrScale: checkNumber(c.backboneLrScale, '--backbone-lr-scale', (v) => v > 0 && v <= 10, 'in (0, 10]'),
    size: checkNumber(c.size, '--size', (v) => isInt(v) && v >= (c.pretrained && c.pretrained !== 'none' ? 32 : 16) && v <= 1024, `an integer in [${c.pretrained && c.pretrained !== 'none' ? 32 : 16}, 1024]`),
    epochs: checkNumber(c.epochs, '--epochs', (v) => isInt(v) && v >= 1, 'an integer >= 1'),
    batchSize: checkNumber(c.batchSize, '--batch-size', (v) => isInt(v) && v >= 1, 'an integer >= 1'),
    microBatch: checkNumber(c.microBatch, '--micro-batch', (v) => isInt(v) && v >= 1, 'an integer >= 1'),
    lr: checkNumber(c.lr, '--lr', (v) => v > 0, '> 0'),
    optimizer: oneOf(c.optimizer, CLASSIFY_OPTIMIZERS, '--optimizer'),
    augment: oneOf(c.augment, CLASSIFY_AUGMENTS, '--augment'),
    seed: checkNumber(c.seed, '--seed', (v) => isInt(v) && v >= 0, 'an integer >= 0'),
    valSplit: checkNumber(c.valSplit, '--val-split', (v) => v >= 0 && v < 1, 'in [0, 1)'),
  };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A fresh run's config: defaults overridden by the given settings.
 *
 * @throws ModelkitError `E_USAGE` for a bad value, or `model` given together with a backbone.
 */
export function freshConfig(given: PartialClassifyConfig): ClassifyConfig {
  const g = defined(checkPartialConfig(given));
  const optimizer = g.optimizer ?? CLASSIFY_DEFAULTS.optimizer;
  const pretrained = g.pretrained ?? CLASSIFY_DEFAULTS.pretrained;
  if (pretrained !== 'none' && g.model !== undefined) {
    throw new ModelkitError(ErrorCodes.USAGE, `--model ${g.model} and --backbone ${pretrained} exclude each other: the backbone is the model`);
  }
  const size = pretrained !== 'none' ? PRETRAINED_DEFAULT_SIZE : CLASSIFY_DEFAULTS.size;
  return { ...CLASSIFY_DEFAULTS, size, lr: defaultLr(optimizer, pretrained), ...g };
}

/**
 * A resumed run's config: the saved one, with `epochs` (and `microBatch`, a memory setting) taken from `given` when set. Any
 * other given setting must equal the saved value: silently training a different model or
 * split on top of a checkpoint would not be a resume.
 */
export function resumedConfig(saved: ClassifyConfig, given: PartialClassifyConfig): ClassifyConfig {
  const g = defined(checkPartialConfig(given));
  for (const [key, value] of Object.entries(g)) {
    if (key === 'epochs' || key === 'microBatch') continue;
    const before = saved[key as keyof ClassifyConfig];
    if (before !== value) {
      throw new InvalidArgumentError(`--resume: ${key} is ${String(before)} in the saved run but ${String(value)} was given; drop the flag or use a new --out`, {
        details: { key, saved: before, given: value },
      });
    }
  }
  const microBatch = g.microBatch ?? saved.microBatch;
  return { ...saved, epochs: g.epochs ?? saved.epochs, ...(microBatch !== undefined ? { microBatch } : {}) };
}

/** Reads `OUT/config.json`, or undefined when there is none. */
export async function readClassifyConfig(outDir: string): Promise<ClassifyConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(outDir, CONFIG_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { config?: unknown };
    // A saved config is complete: its `model` is kept even with a backbone (the default then).
    const saved = parsed.config as ClassifyConfig;
    const { model, distill, ...rest } = saved;
    return { ...freshConfig(rest), model: model ?? CLASSIFY_DEFAULTS.model, ...(distill ? { distill: checkSavedDistill(distill) } : {}) };
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${join(outDir, CONFIG_FILE)} is not a valid train classify config`, { cause: err });
  }
}

/** The distillation flags as given (the teacher already resolved to its file and hash). */
export interface GivenDistill {
  /** The `--teacher` source, its ONNX file and that file's sha256; undefined without `--teacher`. */
  teacher?: { source: string; path: string; sha256: string };
  temperature?: number;
  alpha?: number;
}

/** Checks `--distill-temperature` and `--distill-alpha` (usage errors name the flag). */
export function checkDistillFlags(given: Pick<GivenDistill, 'temperature' | 'alpha'>): void {
  checkNumber(given.temperature, '--distill-temperature', (v) => v > 0 && v <= 100, 'in (0, 100]');
  checkNumber(given.alpha, '--distill-alpha', (v) => v >= 0 && v <= 1, 'in [0, 1]');
}

/**
 * The distillation record of a run: for a fresh run, from the flags (defaults T 4, alpha 0.7);
 * on resume, the saved one, which the given flags must match — the teacher by sha256, so
 * the same file under another path or as a run folder is fine, another file is not.
 *
 * @throws ModelkitError `E_USAGE` for a bad value, or a temperature/alpha without a teacher;
 *   InvalidArgumentError `E_INVALID_ARGUMENT` on resume with a different teacher (or one
 *   where the run had none), a changed teacher file, or another temperature/alpha.
 */
export function distillConfig(given: GivenDistill, resume?: { saved: DistillConfig | undefined; savedFileSha256?: string }): DistillConfig | undefined {
  checkDistillFlags(given);
  if (!resume) {
    if (!given.teacher) {
      if (given.temperature !== undefined || given.alpha !== undefined) {
        throw new ModelkitError(ErrorCodes.USAGE, '--distill-temperature and --distill-alpha need --teacher');
      }
      return undefined;
    }
    return {
      teacher: given.teacher.source,
      path: given.teacher.path,
      sha256: given.teacher.sha256,
      temperature: given.temperature ?? DISTILL_DEFAULTS.temperature,
      alpha: given.alpha ?? DISTILL_DEFAULTS.alpha,
    };
  }
  const saved = resume.saved;
  if (!saved) {
    if (given.teacher || given.temperature !== undefined || given.alpha !== undefined) {
      throw new InvalidArgumentError('--resume: the saved run was trained without a teacher; drop --teacher (and the --distill-* flags) or use a new --out', {
        details: { key: 'teacher', saved: null, given: given.teacher?.source ?? null },
      });
    }
    return undefined;
  }
  if (given.teacher && given.teacher.sha256 !== saved.sha256) {
    throw new InvalidArgumentError(
      `--resume: the run was distilled from ${saved.path} (sha256 ${saved.sha256.slice(0, 12)}…) but --teacher ${given.teacher.source} is another model (sha256 ${given.teacher.sha256.slice(0, 12)}…); drop --teacher to keep the saved one or use a new --out`,
      { details: { key: 'teacher', saved: saved.sha256, given: given.teacher.sha256 } },
    );
  }
  if (!given.teacher && resume.savedFileSha256 !== undefined && resume.savedFileSha256 !== saved.sha256) {
    throw new InvalidArgumentError(
      `--resume: the teacher ${saved.path} changed since the run started (sha256 ${resume.savedFileSha256.slice(0, 12)}…, was ${saved.sha256.slice(0, 12)}…); give the original with --teacher or use a new --out`,
      { details: { key: 'teacher', saved: saved.sha256, given: resume.savedFileSha256 } },
    );
  }
  for (const [key, value] of [['temperature', given.temperature], ['alpha', given.alpha]] as const) {
    if (value !== undefined && value !== saved[key]) {
      throw new InvalidArgumentError(`--resume: distill ${key} is ${saved[key]} in the saved run but ${value} was given; drop the flag or use a new --out`, {
        details: { key: `distill.${key}`, saved: saved[key], given: value },
      });
    }
  }
  // The file may have moved (the same bytes given elsewhere): load it from where it is now.
  return given.teacher ? { ...saved, path: given.teacher.path } : saved;
}

function checkSavedDistill(d: unknown): DistillConfig {
  const o = d as Partial<DistillConfig>;
  if (
    typeof o !== 'object' || o === null || typeof o.teacher !== 'string' || typeof o.path !== 'string' ||
    typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256) || typeof o.temperature !== 'number' || typeof o.alpha !== 'number'
  ) {
    throw new Error('bad distill record');
  }
  checkDistillFlags(o);
  return { teacher: o.teacher, path: o.path, sha256: o.sha256, temperature: o.temperature, alpha: o.alpha };
}

/** What `config.json` stores besides the config: where the data came from and the classes. */
export interface SavedRun {
  config: ClassifyConfig;
  data: string;
  classNames: string[];
}

/** Writes `OUT/config.json` atomically. */
export async function writeClassifyConfig(outDir: string, run: SavedRun): Promise<void> {
  await writeFileAtomic(join(outDir, CONFIG_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

/** Reads the class names saved with a run, or undefined. */
export async function readSavedClassNames(outDir: string): Promise<string[] | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, CONFIG_FILE), 'utf8')) as { classNames?: unknown };
    return Array.isArray(parsed.classNames) ? parsed.classNames.map(String) : undefined;
  } catch {
    return undefined;
  }
}
