/**
 * Speed/accuracy presets of the detection kit (`--quality fast|balanced|accurate`). Each one
 * is a set of existing options — the model set, the input size and test-time flip — that
 * the user's own options override, so a quality is a shortcut, never a hidden mode. Named
 * `quality` because `preset` already means the score-threshold preset (visual | eval).
 */
import { ErrorCodes, InvalidArgumentError, ModelkitError, findInt8Variant, requireInt8Variant } from '@modelkit/core';
import type { ModelSet } from '@modelkit/core';
import { NANODET_G_416 } from './model-cards';

/** The qualities of {@link resolveDetQuality}, fastest first. */
export const DET_QUALITIES = ['fast', 'balanced', 'accurate'] as const;

/** One of {@link DET_QUALITIES}. */
export type DetQuality = (typeof DET_QUALITIES)[number];

/** The options a quality sets (each only when the caller did not set it). */
export interface DetQualitySettings {
  /** `int8`: the registered `<model>-int8` (made by `modelkit compress quantize --kit det`). */
  modelSet?: ModelSet;
  /** Square input side (a multiple of 32). */
  inputSize?: number;
  /** Test-time flip (two model runs per image, candidates merged). */
  flip?: boolean;
}

/**
 * What each quality means (measured in the package README, "Speed and accuracy presets"):
 * - `fast`: the int8 model at 416 — about 2× faster per image than `balanced` (2.4× per
 *   model run), AP within one point; needs the int8 model registered.
 * - `balanced`: the float model at 416, one run (the default, as without `quality`).
 * - `accurate`: input 512 and test-time flip — more small objects (+2.5 AP on mixed COCO
 *   scenes), 1 AP less on single large people, about 3× `balanced`'s time; with
 *   `modelSet: 'int8'` about the same AP at about 1.7× `balanced`'s time.
 */
export const DET_QUALITY_SETTINGS: Readonly<Record<DetQuality, Readonly<DetQualitySettings>>> = Object.freeze({
  fast: Object.freeze({ modelSet: 'int8' }),
  balanced: Object.freeze({}),
  accurate: Object.freeze({ inputSize: 512, flip: true }),
});

/** Input of {@link resolveDetQuality}: the quality and the options it may fill in. */
export interface DetQualityOptions extends DetQualitySettings {
  /** The quality (default `balanced`). */
  quality?: DetQuality;
  /** The model option as given (default the kit's NanoDet-g 416). */
  model?: string;
}

/** Concrete create options of a `Detector` for a quality. */
export interface ResolvedDetQuality {
  /** The model to load (the int8 variant's registry id when the model set is int8). */
  model?: string;
  inputSize?: number;
  flip?: boolean;
}

/**
 * The compress command that makes the int8 version of `model` (the registered id
 * `<model>-int8` every det command then finds).
 */
export function int8QuantizeCommand(model: string = NANODET_G_416.id): string {
  const kitOptions = model === NANODET_G_416.id ? '' : ` --kit-options '${JSON.stringify({ model })}'`;
  return `npx modelkit compress quantize --kit det${kitOptions} --calib IMAGES --val DATA_DIR`;
}

/**
 * Turns a quality into the options it stands for, over the caller's own: an option the
 * caller set (`modelSet`, `inputSize`, `flip`) wins over the quality's.
 *
 * @example
 * resolveDetQuality({ quality: 'accurate' });                    // { inputSize: 512, flip: true }
 * resolveDetQuality({ quality: 'accurate', modelSet: 'int8' });  // { model: 'nanodet-g-416-int8', inputSize: 512, flip: true }
 * resolveDetQuality({ quality: 'fast' });                        // { model: 'nanodet-g-416-int8' }, or throws (not registered)
 *
 * @throws InvalidArgumentError `E_INVALID_ARGUMENT` for an unknown quality.
 * @throws ModelkitError `E_MODEL_NOT_FOUND` when the int8 model a quality (or `modelSet: 'int8'`)
 *   needs is not registered; the message gives the `modelkit compress quantize` command that makes it.
 */
export function resolveDetQuality(options: DetQualityOptions = {}): ResolvedDetQuality {
  const quality = options.quality ?? 'balanced';
  if (!DET_QUALITIES.includes(quality)) {
    throw new InvalidArgumentError(`quality must be one of ${DET_QUALITIES.map((q) => `'${q}'`).join(', ')}, got ${JSON.stringify(quality)}`, { details: { quality } });
  }
  const preset = DET_QUALITY_SETTINGS[quality];
  const modelSet = options.modelSet ?? preset.modelSet ?? 'default';
  const inputSize = options.inputSize ?? preset.inputSize;
  const flip = options.flip ?? preset.flip;
  let model = options.model;
  if (modelSet === 'int8') {
    const id = model ?? NANODET_G_416.id;
    if (options.modelSet === 'int8') {
      // Asked for by name: core's error, as every kit's --model-set int8 gives it.
      model = requireInt8Variant(id, 'det');
    } else {
      model = findInt8Variant(id);
      if (model === undefined) {
        throw new ModelkitError(
          ErrorCodes.MODEL_NOT_FOUND,
          `det quality '${quality}' runs the int8 model '${id}-int8', which is not registered. Make it once with: ` +
            `${int8QuantizeCommand(id)} (IMAGES: a folder of images like yours or a det eval .json, for calibration; ` +
            `DATA_DIR: a labelled det data folder for the accuracy check, e.g. ../shared/data), or choose --quality balanced`,
          { details: { quality, model: `${id}-int8`, command: int8QuantizeCommand(id) } },
        );
      }
    }
  }
  return {
    ...(model !== undefined && { model }),
    ...(inputSize !== undefined && { inputSize }),
    ...(flip !== undefined && { flip }),
  };
}
