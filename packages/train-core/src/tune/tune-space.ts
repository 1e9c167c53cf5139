/**
 * The search space of `tune classify`: which `train classify` settings may vary between
 * trials, the JSON format of `--space`, its validation, and the default spaces.
 *
 * JSON format: one key per searched setting, each value one of
 *
 *     { "logUniform": [low, high] }   float, log-uniform (learning rates, scales)
 *     { "uniform": [low, high] }      float, uniform
 *     { "int": [low, high] }          integer, both ends included
 *     { "logInt": [low, high] }       integer, log-spaced (batch sizes)
 *     { "choice": [v1, v2, ...] }     one of the values
 *     [v1, v2, ...]                   short for a choice
 *     v                               a fixed value (a choice of one)
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, ImageError, ModelkitError } from '@modelkit/core';
import { MOBILENET_V2_BLOCKS } from '../models/mobilenet-v2';
import { checkPartialConfig, CLASSIFY_AUGMENTS, CLASSIFY_MODELS, CLASSIFY_OPTIMIZERS, type ClassifyOptimizer, type PartialClassifyConfig } from '../classify/classify-config';
import { choice, int, logUniform, uniform, type Param, type ParamValue, type SearchSpace } from '../search/space';

/** Settings a trial may vary; everything else is fixed for the whole search. */
export const TUNABLE_PARAMS = ['lr', 'optimizer', 'batchSize', 'augment', 'model', 'size', 'unfreeze', 'backboneLrScale', 'headEpochs'] as const;

/** A setting `tune classify` can search over. */
export type TunableParam = (typeof TUNABLE_PARAMS)[number];

interface ParamRule {
  kind: 'float' | 'int' | 'string';
  /** Only with `--backbone` (`true`) or only without (`false`); absent: either. */
  backbone?: boolean;
  values?: readonly string[];
}

const RULES: Record<TunableParam, ParamRule> = {
  lr: { kind: 'float' },
  optimizer: { kind: 'string', values: CLASSIFY_OPTIMIZERS },
  batchSize: { kind: 'int' },
  augment: { kind: 'string', values: CLASSIFY_AUGMENTS },
  model: { kind: 'string', values: CLASSIFY_MODELS, backbone: false },
  size: { kind: 'int' },
  unfreeze: { kind: 'int', backbone: true },
  backboneLrScale: { kind: 'float', backbone: true },
  headEpochs: { kind: 'int', backbone: true },
};

const FORMS = ['logUniform', 'uniform', 'int', 'logInt', 'choice'] as const;

function usage(message: string, details: Record<string, unknown>): ModelkitError {
  return new ModelkitError(ErrorCodes.USAGE, message, { details });
}

function badJson(message: string, details: Record<string, unknown>): ModelkitError {
  return new ModelkitError(ErrorCodes.BAD_JSON, message, { details });
}

function isValue(v: unknown): v is ParamValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function parseParam(key: string, raw: unknown, where: string): Param {
  if (isValue(raw)) return choice([raw]);
  if (Array.isArray(raw)) return parseParam(key, { choice: raw }, where);
  if (raw === null || typeof raw !== 'object') {
    throw badJson(`${where}: "${key}" must be a value, a list of values or one of {${FORMS.map((f) => `"${f}": ...`).join(', ')}}`, { key });
  }
  const entries = Object.entries(raw);
  const form = entries[0]?.[0];
  if (entries.length !== 1 || !(FORMS as readonly string[]).includes(form ?? '')) {
    throw badJson(`${where}: "${key}" must have exactly one of the keys ${FORMS.join(', ')}; got ${JSON.stringify(raw)}`, { key });
  }
  const arg = entries[0]![1];
  if (form === 'choice') {
    if (!Array.isArray(arg) || arg.length === 0 || !arg.every(isValue)) {
      throw badJson(`${where}: "${key}".choice must be a non-empty list of numbers, strings or booleans`, { key });
    }
    return choice(arg);
  }
  if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((v) => typeof v === 'number')) {
    throw badJson(`${where}: "${key}".${form} must be [low, high] (two numbers); got ${JSON.stringify(arg)}`, { key });
  }
  const [low, high] = arg as [number, number];
  try {
    if (form === 'logUniform') return logUniform(low, high);
    if (form === 'uniform') return uniform(low, high);
    return int(low, high, { log: form === 'logInt' });
  } catch (err) {
    throw usage(`${where}: "${key}": ${(err as Error).message}`, { key, low, high });
  }
}

/**
 * Parses the text of a space file into a search space (structure only; check it against
 * the run with {@link checkTuneSpace}).
 *
 * @throws ModelkitError `E_BAD_JSON` when the text is not JSON, not an object, or a
 *   parameter is not in one of the documented forms; `E_USAGE` for an empty range list or
 *   a range with low > high (or low <= 0 on a log scale).
 */
export function parseTuneSpace(text: string, where = 'search space'): SearchSpace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${where} is not valid JSON: ${(err as Error).message}`, { cause: err, details: { file: where } });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badJson(`${where} must be a JSON object: {"lr": {"logUniform": [0.0003, 0.03]}, "optimizer": ["adam", "sgd"], ...}`, { file: where });
  }
  const space: SearchSpace = {};
  for (const [key, value] of Object.entries(raw)) space[key] = parseParam(key, value, where);
  return space;
}

/**
 * Reads and parses a space file.
 *
 * @throws ImageError `E_FILE_NOT_FOUND` when it cannot be read; see {@link parseTuneSpace}.
 */
export async function readTuneSpace(file: string): Promise<SearchSpace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `--space ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
      details: { file },
    });
  }
  return parseTuneSpace(text, file);
}

/** The values a parameter can take at its ends (ranges) or all of them (choices). */
function edgeValues(p: Param): ParamValue[] {
  return p.kind === 'choice' ? p.values.slice() : [p.low, p.high];
}

/**
 * Checks a space against the settings fixed for every trial: known parameter names,
 * distributions that fit each parameter (integers for `batchSize`, names for `optimizer`),
 * values `train classify` accepts, backbone-only parameters only with a backbone, and no
 * parameter both fixed and searched.
 *
 * @throws ModelkitError `E_USAGE` naming the parameter.
 */
export function checkTuneSpace(space: SearchSpace, fixed: PartialClassifyConfig, where = 'search space'): void {
  const keys = Object.keys(space);
  if (keys.length === 0) throw usage(`${where} is empty: give at least one parameter (${TUNABLE_PARAMS.join(', ')})`, {});
  const backbone = fixed.pretrained !== undefined && fixed.pretrained !== 'none';
  for (const key of keys) {
    if (!(TUNABLE_PARAMS as readonly string[]).includes(key)) {
      throw usage(`${where}: unknown parameter "${key}"; tunable: ${TUNABLE_PARAMS.join(', ')}`, { key, allowed: TUNABLE_PARAMS });
    }
    const name = key as TunableParam;
    const rule = RULES[name];
    const p = space[key]!;
    if (rule.backbone === true && !backbone) throw usage(`${where}: "${key}" applies only with --backbone`, { key });
    if (rule.backbone === false && backbone) throw usage(`${where}: "${key}" cannot vary with --backbone (the backbone is the model)`, { key });
    if (fixed[name] !== undefined) throw usage(`${where}: "${key}" is searched, so it cannot also be fixed by a flag (${String(fixed[name])})`, { key });
    if (rule.kind === 'string' && p.kind !== 'choice') throw usage(`${where}: "${key}" takes names: use a list or {"choice": [...]}`, { key });
    if (rule.kind === 'int' && (p.kind === 'uniform' || p.kind === 'logUniform')) {
      throw usage(`${where}: "${key}" is an integer: use {"int": [low, high]}, {"logInt": [low, high]} or a list`, { key });
    }
    for (const v of edgeValues(p)) {
      const ok = rule.kind === 'string' ? typeof v === 'string' : typeof v === 'number' && (rule.kind === 'float' || Number.isInteger(v));
      if (!ok) throw usage(`${where}: "${key}" cannot be ${JSON.stringify(v)} (${rule.kind === 'string' ? `one of ${rule.values!.join(', ')}` : `${rule.kind === 'int' ? 'an integer' : 'a number'}`})`, { key, value: v });
      try {
        checkPartialConfig({ [name]: v, pretrained: fixed.pretrained });
      } catch (err) {
        throw usage(`${where}: "${key}" = ${JSON.stringify(v)}: ${(err as Error).message.replace(/^--[a-z-]+ /, '')}`, { key, value: v });
      }
    }
  }
}

/**
 * The space searched when `--space` is not given, without the settings fixed by flags.
 * From scratch: the peak learning rate (log-uniform around the optimizer's default),
 * the optimizer, batch size and augmentation. With a backbone: the head's learning rate,
 * how many blocks to fine-tune, and their learning-rate multiplier.
 */
export function defaultTuneSpace(fixed: PartialClassifyConfig): SearchSpace {
  const backbone = fixed.pretrained !== undefined && fixed.pretrained !== 'none';
  const full: SearchSpace = backbone
    ? {
        lr: logUniform(3e-3, 3e-2),
        unfreeze: int(0, Math.min(6, MOBILENET_V2_BLOCKS)),
        backboneLrScale: logUniform(0.05, 1),
      }
    : {
        lr: logUniform(...scratchLrRange(fixed.optimizer)),
        optimizer: choice(['adam', 'sgd']),
        batchSize: choice([16, 32]),
        augment: choice(['none', 'basic']),
      };
  return Object.fromEntries(Object.entries(full).filter(([k]) => fixed[k as TunableParam] === undefined));
}

/** Learning-rate range from scratch: a decade or two around the optimizer's default peak rate. */
function scratchLrRange(optimizer: ClassifyOptimizer | undefined): [number, number] {
  if (optimizer === 'sgd') return [5e-3, 0.2];
  if (optimizer === 'adam' || optimizer === 'adamw') return [3e-4, 3e-2];
  return [1e-3, 5e-2]; // the optimizer is searched too: covers Adam's 3e-3 and SGD's 0.05
}
