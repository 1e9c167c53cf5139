import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, InvalidArgumentError, ModelkitError } from '@modelkit/core';
import { loadCheckpoint } from '../trainer/checkpoint';
import { readClassifyConfig, readSavedClassNames, type ClassifyConfig } from './classify-config';
import { buildClassifierModel } from './build-classifier';

/** A classifier rebuilt from a `train classify` output folder. */
export interface TrainedClassifier {
  model: tfl.LayersModel;
  config: ClassifyConfig;
  classNames: string[];
  /** Which checkpoint the weights came from. */
  checkpoint: 'best' | 'last';
  /** Optimizer step of that checkpoint. */
  step: number;
}

/** Copies checkpoint weights into `model` (same architecture, `model.weights` order). */
export function loadWeightsInto(model: tfl.LayersModel, weights: { name: string; shape: number[]; values: Float32Array }[]): void {
  const target = model.weights;
  if (target.length !== weights.length) throw new InvalidArgumentError(`checkpoint has ${weights.length} weights, the model ${target.length}`);
  tf.tidy(() =>
    target.forEach((w, i) => {
      const saved = weights[i]!;
      if (saved.shape.join() !== w.shape.join()) throw new InvalidArgumentError(`checkpoint weight ${saved.name} has shape [${saved.shape}], the model's ${w.name} [${w.shape}]`);
      w.write(tf.tensor(saved.values, saved.shape, 'float32'));
    }),
  );
}

/**
 * Rebuilds the model of a `train classify` run in `outDir` with a checkpoint's weights:
 * `which`, else `last/` (what `train classify` exports by default), else `best/`. The
 * caller disposes `model`.
 *
 * @throws ModelkitError `E_FILE_NOT_FOUND` when `outDir` holds no run or no checkpoint.
 */
export async function loadTrainedClassifier(outDir: string, which?: 'best' | 'last'): Promise<TrainedClassifier> {
  const config = await readClassifyConfig(outDir);
  const classNames = await readSavedClassNames(outDir);
  if (!config || !classNames) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${outDir} holds no train classify run (no config.json)`, { details: { file: outDir } });
  for (const dir of which ? [which] : (['last', 'best'] as const)) {
    const ckpt = await loadCheckpoint(join(outDir, dir));
    if (!ckpt) continue;
    const model = buildClassifierModel(config, classNames.length);
    loadWeightsInto(model, ckpt.weights);
    return { model, config, classNames, checkpoint: dir, step: ckpt.step };
  }
  throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${outDir} has no ${which ?? 'best or last'} checkpoint`, { details: { file: outDir } });
}
