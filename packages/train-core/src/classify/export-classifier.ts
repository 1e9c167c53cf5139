import type * as tfl from '@tensorflow/tfjs-layers';
import { saveOnnx } from '../export/export-layers-model';
import { MODEL_FOLDER_FILES, writeModelFolder, type ModelFolder } from '../export/write-model-folder';
import { classifierInputSpec } from './preprocess';

/** Names of the files a classification run exports into OUT. */
export const CLASSIFIER_FILES = MODEL_FOLDER_FILES;

/** Graph input and output names of an exported classifier. */
export const CLASSIFIER_IO = { input: 'image', output: 'probs' } as const;

/** Paths of an exported classifier, and its card as written (sha256 and size of both files). */
export type ExportedClassifier = ModelFolder;

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
  const writeModel = async (path: string): Promise<void> => {
    await saveOnnx(model, path, { inputName: CLASSIFIER_IO.input, outputNames: [CLASSIFIER_IO.output] });
  };
  return writeModelFolder(outDir, writeModel, {
    labels: info.classNames,
    task: 'image-classification',
    description: info.description,
    input: classifierInputSpec(info.size),
    origin: 'modelkit train classify',
    fallbackId: 'classifier',
  });
}
