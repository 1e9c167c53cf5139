/**
 * The folder every trained modelkit model is: `model.onnx`, `labels.json` and
 * `model.card.json` — a core model card listing both files as `bundled` next to it with
 * sha256 and size — so `--model OUT` resolves it through core's `resolveModel` and the
 * registry verifies it. `train classify`, `compress prune` and `videotag train` write it.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseModelCard, sha256File, writeFileAtomic, type ModelCard } from '@modelkit/core';

/** Names of the files of a trained-model folder. */
export const MODEL_FOLDER_FILES = { onnx: 'model.onnx', labels: 'labels.json', card: 'model.card.json' } as const;

/** Paths of a written model folder, and the card as written. */
export interface ModelFolder {
  onnx: string;
  labels: string;
  card: string;
  modelCard: ModelCard;
}

/** What the card says besides its files. */
export interface ModelFolderInfo {
  labels: string[];
  task: string;
  description: string;
  input: ModelCard['input'];
  /** The tool that trained it (the card's origin). */
  origin: string;
  /** Registry id when the folder's name gives none. */
  fallbackId: string;
}

/** A registry id from the output folder's name: lower case, `[a-z0-9._-]`, never empty. */
function cardId(outDir: string, fallback: string): string {
  return basename(resolve(outDir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || fallback;
}

/**
 * Writes the ONNX model (through `writeModel(path)`), the labels and the card. The card's
 * version is the ONNX file's hash prefix, so retrained weights never reuse a cache path.
 */
export async function writeModelFolder(outDir: string, writeModel: (path: string) => Promise<void>, info: ModelFolderInfo): Promise<ModelFolder> {
  const paths = { onnx: join(outDir, MODEL_FOLDER_FILES.onnx), labels: join(outDir, MODEL_FOLDER_FILES.labels), card: join(outDir, MODEL_FOLDER_FILES.card) };
  await writeModel(paths.onnx);
  await writeFileAtomic(paths.labels, `${JSON.stringify(info.labels, null, 2)}\n`);
  const entry = async (name: string, path: string): Promise<ModelCard['files'][number]> => ({
    name,
    sha256: await sha256File(path),
    size: (await stat(path)).size,
    source: { type: 'bundled', path: name },
  });
  const onnxFile = await entry(MODEL_FOLDER_FILES.onnx, paths.onnx);
  const modelCard = parseModelCard(
    {
      id: cardId(outDir, info.fallbackId),
      task: info.task,
      version: onnxFile.sha256.slice(0, 12),
      description: info.description,
      files: [onnxFile, await entry(MODEL_FOLDER_FILES.labels, paths.labels)],
      input: info.input,
      labels: info.labels,
      // Weights trained on the user's own data: their terms, not ours.
      license: 'UNLICENSED',
      origin: { name: info.origin },
    },
    paths.card,
  );
  await writeFileAtomic(paths.card, `${JSON.stringify(modelCard, null, 2)}\n`);
  return { ...paths, modelCard };
}
