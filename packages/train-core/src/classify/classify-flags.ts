/**
 * The `train classify` settings as CLI flags: one reader for every command that takes
 * them (`train classify`, and `tune classify` for the settings it fixes across trials).
 */
import { flagNumber, flagString } from '@modelkit/core';
import type { TrainBackend } from '../backend/select-backend';
import type { PretrainedBackbone } from '../pretrained/pretrained-backbone';
import type { ClassifyConfig, PartialClassifyConfig } from './classify-config';

/** Settings every classify run takes from flags (values unchecked: trainClassifier checks them). */
export interface ClassifyFlagSettings extends Omit<PartialClassifyConfig, 'epochs' | 'microBatch'> {
  backend?: TrainBackend;
  threads?: number;
}

/** Reads the model, backbone, size, batch, optimizer, augmentation, split, backend and thread flags. */
export function classifyFlagSettings(o: Record<string, unknown>): ClassifyFlagSettings {
  return {
    model: flagString(o, 'model') as ClassifyConfig['model'] | undefined,
    pretrained: flagString(o, 'backbone') as PretrainedBackbone | 'none' | undefined,
    headEpochs: flagNumber(o, 'headEpochs'),
    unfreeze: flagNumber(o, 'unfreeze'),
    backboneLrScale: flagNumber(o, 'backboneLrScale'),
    size: flagNumber(o, 'size'),
    batchSize: flagNumber(o, 'batchSize'),
    lr: flagNumber(o, 'lr'),
    optimizer: flagString(o, 'optimizer') as ClassifyConfig['optimizer'] | undefined,
    augment: flagString(o, 'augment') as ClassifyConfig['augment'] | undefined,
    seed: flagNumber(o, 'seed'),
    valSplit: flagNumber(o, 'valSplit'),
    backend: flagString(o, 'backend') as TrainBackend | undefined,
    threads: flagNumber(o, 'threads'),
  };
}
