import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { loadCheckpoint } from '../trainer/checkpoint';
import { readClassifyConfig, readSavedClassNames, type ClassifyConfig } from './classify-config';
import { buildClassifierModel } from './build-classifier';
import { loadWeightsInto } from './load-weights';
import { buildTransferExportModel, buildTransferPhaseModel } from './train-transfer';

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
    if (config.pretrained === 'none') {
      const model = buildClassifierModel(config, classNames.length);
      loadWeightsInto(model, ckpt.weights);
      return { model, config, classNames, checkpoint: dir, step: ckpt.step };
    }
    // A transfer run's checkpoints hold the trained top (head, or top blocks + head): rebuild
    // that part, then the whole pretrained network around it.
    const phase = await buildTransferPhaseModel(config, classNames.length);
    try {
      loadWeightsInto(phase, ckpt.weights);
      const model = await buildTransferExportModel(config, classNames.length, phase);
      return { model, config, classNames, checkpoint: dir, step: ckpt.step };
    } finally {
      phase.dispose();
    }
  }
  throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${outDir} has no ${which ?? 'best or last'} checkpoint`, { details: { file: outDir } });
}
