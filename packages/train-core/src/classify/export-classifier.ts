import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { parseModelCard, sha256File, writeFileAtomic, type ModelCard } from '@modelkit/core';
import { saveOnnx } from '../export/export-layers-model';
import { classifierInputSpec } from './preprocess';

/** Names of the files a classification run exports into OUT. */
export const CLASSIFIER_FILES = { onnx: 'model.onnx', labels: 'labels.json', card: 'model.card.json' } as const;

/** Graph input and output names of an exported classifier. */
export const CLASSIFIER_IO = { input: 'image', output: 'probs' } as const;

/** Paths of an exported classifier. */
export interface ExportedClassifier {
  onnx: string;
  labels: string;
  card: string;
  /** The card as written (sha256 and size of both files). */
  modelCard: ModelCard;
}

/** A registry id from the output folder's name: lower case, `[a-z0-9._-]`, never empty. */
function cardId(outDir: string): string {
  const id = basename(resolve(outDir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'classifier';
}

/**
 * Writes `model.onnx` (input `image` [N,size,size,3] RGB in [0,1], output `probs`
 * [N,classes]), `labels.json` and `model.card.json`: a core model card whose files are
 * `bundled` next to it, with sha256 and size, so
 * `defaultRegistry.register(card, { baseDir: OUT })` + `resolve(id)` verifies and serves
 * them. The card's version is the ONNX file's hash prefix, so retrained weights never
 * reuse a cache path.
 */
export async function exportClassifier(
  model: tfl.LayersModel,
  outDir: string,
  info: { classNames: string[]; size: number; description: string },
): Promise<ExportedClassifier> {
  const onnx = join(outDir, CLASSIFIER_FILES.onnx);
  const labels = join(outDir, CLASSIFIER_FILES.labels);
  const card = join(outDir, CLASSIFIER_FILES.card);
  await saveOnnx(model, onnx, { inputName: CLASSIFIER_IO.input, outputNames: [CLASSIFIER_IO.output] });
  await writeFileAtomic(labels, `${JSON.stringify(info.classNames, null, 2)}\n`);
  const fileEntry = async (name: string, path: string): Promise<ModelCard['files'][number]> => ({
    name,
    sha256: await sha256File(path),
    size: (await stat(path)).size,
    source: { type: 'bundled', path: name },
  });
  const onnxFile = await fileEntry(CLASSIFIER_FILES.onnx, onnx);
  const modelCard = parseModelCard(
    {
      id: cardId(outDir),
      task: 'image-classification',
      version: onnxFile.sha256.slice(0, 12),
      description: info.description,
      files: [onnxFile, await fileEntry(CLASSIFIER_FILES.labels, labels)],
      input: classifierInputSpec(info.size),
      labels: info.classNames,
      // Weights trained on the user's own data: their terms, not ours.
      license: 'UNLICENSED',
      origin: { name: 'modelkit train classify' },
    },
    card,
  );
  await writeFileAtomic(card, `${JSON.stringify(modelCard, null, 2)}\n`);
  return { onnx, labels, card, modelCard };
}
