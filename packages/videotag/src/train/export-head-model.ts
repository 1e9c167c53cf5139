/**
 * Writes a trained tagger the way every modelkit kit reads trained models: `model.onnx`,
 * `labels.json` and `model.card.json` (a core model card with sha256 and size of both
 * files, the labels, and the head's input spec), so `--model OUT` resolves it with core's
 * `resolveModel`.
 */
import { writeOnnx, type OnnxModel } from '@modelkit/core';
import { writeModelFolder, type ModelFolder } from '@modelkit/train-core';
import type { HeadInputSpec } from '../heads/head-spec';

/** Paths of an exported tagger, and its card as written. */
export type ExportedHeadModel = ModelFolder;

/** Writes the three files (train-core's trained-model folder); the card's version is the ONNX file's hash prefix. */
export async function writeHeadModel(outDir: string, onnx: OnnxModel, info: { labels: string[]; spec: HeadInputSpec; description: string }): Promise<ExportedHeadModel> {
  return writeModelFolder(outDir, (path) => writeOnnx(onnx, path), {
    labels: info.labels,
    task: 'video-tagging',
    description: info.description,
    input: { ...info.spec },
    origin: 'modelkit videotag train',
    fallbackId: 'videotag-head',
  });
}
