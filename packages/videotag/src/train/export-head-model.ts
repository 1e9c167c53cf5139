/**
 * Writes a trained tagger the way every modelkit kit reads trained models: `model.onnx`,
 * `labels.json` and `model.card.json` (a core model card with sha256 and size of both
 * files, the labels, and the head's input spec), so `--model OUT` resolves it with core's
 * `resolveModel`.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseModelCard, sha256File, writeFileAtomic, writeOnnx, type ModelCard, type OnnxModel } from '@modelkit/core';
import type { HeadInputSpec } from '../heads/head-spec';

/** Paths of an exported tagger. */
export interface ExportedHeadModel {
  onnx: string;
  labels: string;
  card: string;
  /** The card as written. */
  modelCard: ModelCard;
}

function cardId(outDir: string): string {
  const id = basename(resolve(outDir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'videotag-head';
}

/** Writes the three files; the card's version is the ONNX file's hash prefix. */
export async function writeHeadModel(outDir: string, onnx: OnnxModel, info: { labels: string[]; spec: HeadInputSpec; description: string }): Promise<ExportedHeadModel> {
  const paths = { onnx: join(outDir, 'model.onnx'), labels: join(outDir, 'labels.json'), card: join(outDir, 'model.card.json') };
  await writeOnnx(onnx, paths.onnx);
  await writeFileAtomic(paths.labels, `${JSON.stringify(info.labels, null, 2)}\n`);
  const entry = async (name: string, path: string): Promise<ModelCard['files'][number]> => ({
    name,
    sha256: await sha256File(path),
    size: (await stat(path)).size,
    source: { type: 'bundled', path: name },
  });
  const onnxFile = await entry('model.onnx', paths.onnx);
  const modelCard = parseModelCard(
    {
      id: cardId(outDir),
      task: 'video-tagging',
      version: onnxFile.sha256.slice(0, 12),
      description: info.description,
      files: [onnxFile, await entry('labels.json', paths.labels)],
      input: { ...info.spec },
      labels: info.labels,
      // Weights trained on the user's own videos: their terms, not ours.
      license: 'UNLICENSED',
      origin: { name: 'modelkit videotag train' },
    },
    paths.card,
  );
  await writeFileAtomic(paths.card, `${JSON.stringify(modelCard, null, 2)}\n`);
  return { ...paths, modelCard };
}
