/** The models the videotag kit ships, as core model cards (sha256 and size from the conversion tool's manifest). */
import { join } from 'node:path';
import { defaultRegistry } from '@modelkit/core';
import type { ModelCard, ModelFile } from '@modelkit/core';
import manifest from '../models/models-manifest.json';

/** The package root: `bundled` model paths are relative to it (src/ and dist/ both sit one level below). */
export const PACKAGE_DIR: string = join(__dirname, '..');

function bundledFile(name: string, file: keyof typeof manifest): ModelFile {
  const entry = manifest[file];
  return { name, sha256: entry.sha256, size: entry.size, source: { type: 'bundled', path: `models/${file}` } };
}

/** nsfwjs' five content classes, in the order of the model's `probs` output. */
export const SAFETY_LABELS = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;

/** One safety class. */
export type SafetyLabel = (typeof SAFETY_LABELS)[number];

const ORIGIN = {
  name: 'MobileNetV2 fine-tuned by GantMan/nsfw_model, shipped in npm nsfwjs 4.4.0 (dist/models/mobilenet_v2), converted by tools/convert-models/nsfwjs-mobilenet.ts',
  url: 'https://github.com/infinitered/nsfwjs',
  notice:
    'nsfwjs: Copyright (c) 2019 Infinite Red, Inc. (MIT). nsfw_model: Copyright (c) 2020 The nsfw_model Developers (MIT). ' +
    'ImageNet initialisation from Keras Applications MobileNetV2.',
};

/**
 * MobileNetV2 224 frame features: `image` [N,224,224,3] RGB in [0,1] → `embedding` [N,1280]
 * (global average pool, ImageNet-initialised backbone) and `probs` [N,5] (nsfwjs' head).
 */
export const FRAME_FEATURES_CARD: ModelCard = {
  id: 'mobilenet-v2-nsfw-224',
  task: 'video-frame-features',
  version: '1.0.0',
  description:
    'MobileNetV2 (Keras, ImageNet-initialised, fine-tuned on 5 content classes by nsfw_model): image [N,224,224,3] RGB/255 -> ' +
    'embedding [N,1280] (7x7 average pool) and probs [N,5] (drawing, hentai, neutral, porn, sexy)',
  files: [bundledFile('model.onnx', 'mobilenet-v2-nsfw.onnx')],
  input: { layout: 'nhwc', channelOrder: 'rgb', scale: 1 / 255, width: 224, height: 224, shortSide: 256, crop: 'center' },
  labels: [...SAFETY_LABELS],
  license: 'MIT',
  origin: ORIGIN,
};

/** The same network as a trainable tfjs layers model (its original uint8-quantized weights), for fine-tuning. */
export const FRAME_FEATURES_TFJS_CARD: ModelCard = {
  id: 'mobilenet-v2-nsfw-224-tfjs',
  task: 'video-frame-features-trainable',
  version: '1.0.0',
  description: 'The MobileNetV2 of mobilenet-v2-nsfw-224 as a tfjs layers model (model.json + weights.bin) for fine-tuning with @modelkit/train-core',
  files: [bundledFile('model.json', 'mobilenet-v2-nsfw-tfjs/model.json'), bundledFile('weights.bin', 'mobilenet-v2-nsfw-tfjs/weights.bin')],
  input: FRAME_FEATURES_CARD.input,
  labels: [...SAFETY_LABELS],
  license: 'MIT',
  origin: ORIGIN,
};

/** The videotag kit's model cards; registered into `defaultRegistry` when the kit is imported. */
export const modelCards: ModelCard[] = [FRAME_FEATURES_CARD, FRAME_FEATURES_TFJS_CARD];

/** Registers {@link modelCards} into core's `defaultRegistry` (idempotent), with the package root as baseDir. */
export function registerVideotagModels(): void {
  defaultRegistry.registerDefaults(modelCards, { baseDir: PACKAGE_DIR });
}
