import { readFile } from 'node:fs/promises';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultRegistry, ErrorCodes, InvalidArgumentError, ModelError } from '@modelkit/core';
import { mobileNetV2, type MobileNetV2Options } from '../models/mobilenet-v2';
import { PACKAGE_DIR } from '../package-dir';
import { MOBILENET_V2_BACKBONE_CARD } from './backbone-card';
import { decodePretrainedWeights, loadPretrainedWeights, type PretrainedWeights, type PretrainedWeightSpec } from './pretrained-weights';

/** Pretrained backbones train-core ships (`pretrained` of `trainClassifier`, `--backbone` of the CLI). */
export const PRETRAINED_BACKBONES = ['mobilenetv2'] as const;

/** One of {@link PRETRAINED_BACKBONES}. */
export type PretrainedBackbone = (typeof PRETRAINED_BACKBONES)[number];

// Decoded once per process: every model built afterwards copies from these arrays.
let cached: Promise<PretrainedWeights> | undefined;

/**
 * The shipped MobileNetV2 weights (see {@link MOBILENET_V2_BACKBONE_CARD}), resolved through
 * core's registry — so the files' size and sha256 are checked — and decoded. Offline: the
 * files are inside this package.
 *
 * @throws RegistryError `E_FILE_NOT_FOUND` / `E_CHECKSUM_MISMATCH` for a missing or altered
 *   file; ModelError `E_MODEL_FORMAT` when the files do not fit together.
 */
export function loadBackboneWeights(name: PretrainedBackbone = 'mobilenetv2'): Promise<PretrainedWeights> {
  if (name !== 'mobilenetv2') throw new InvalidArgumentError(`unknown pretrained backbone ${String(name)}; known: ${PRETRAINED_BACKBONES.join(', ')}`);
  cached ??= (async () => {
    const { paths } = await defaultRegistry.resolve(MOBILENET_V2_BACKBONE_CARD, { baseDir: PACKAGE_DIR });
    let specs: PretrainedWeightSpec[];
    try {
      specs = (JSON.parse(await readFile(paths['weights.json']!, 'utf8')) as { weights: PretrainedWeightSpec[] }).weights;
    } catch (err) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `${paths['weights.json']} is not a weight spec file`, { cause: err });
    }
    return decodePretrainedWeights(specs, await readFile(paths['weights.bin']!));
  })();
  // A failed load is not cached: the next call tries again (e.g. after the files are restored).
  cached.catch(() => (cached = undefined));
  return cached;
}

/**
 * `mobileNetV2(options)` (α 1) with the shipped ImageNet-initialised weights in every
 * backbone layer; a classifier head (`numClasses`) keeps its fresh initialisation. Works at
 * any input size (global average pooling) and for the top blocks alone (`fromBlock`).
 */
export async function pretrainedMobileNetV2(options: Omit<MobileNetV2Options, 'alpha'> = {}): Promise<tfl.LayersModel> {
  const weights = await loadBackboneWeights('mobilenetv2');
  const model = mobileNetV2({ ...options, alpha: 1 });
  loadPretrainedWeights(model, weights);
  return model;
}
