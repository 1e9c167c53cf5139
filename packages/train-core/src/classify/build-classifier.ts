import type * as tfl from '@tensorflow/tfjs-layers';
import { colorJitter } from '../augment/color-jitter';
import { compose, type ImageTransform } from '../augment/float-image';
import { randomHorizontalFlip } from '../augment/flip';
import { randAugment } from '../augment/rand-augment';
import { randomResizedCrop } from '../augment/random-resized-crop';
import { mobileNetV2Like } from '../models/mobilenet-v2-like';
import { smallCnn } from '../models/small-cnn';
import { Adam } from '../optim/adam';
import { AdamW } from '../optim/adamw';
import type { Optimizer, ParamGroups } from '../optim/optimizer';
import { Sgd } from '../optim/sgd';
import { cosineWarmup } from '../schedules/cosine-warmup';
import type { ClassifyConfig } from './classify-config';

/** The network of a run; the same config always builds the same initial weights. */
export function buildClassifierModel(config: ClassifyConfig, numClasses: number): tfl.LayersModel {
  // Batch-norm momentum 0.9 rather than Keras' 0.99: the moving statistics must keep up in
  // the short runs a CLI user starts (README, "Trainer": 0.99 cost 30 points here).
  if (config.model === 'mobilenet-v2') {
    return mobileNetV2Like({ inputSize: config.size, numClasses, batchNormMomentum: 0.9, seed: config.seed + 1 });
  }
  // Four pools need a side of at least 16; base 16 filters as in the benchmark.
  return smallCnn({ inputSize: config.size, numClasses, blocks: 4, baseFilters: 16, batchNormMomentum: 0.9, seed: config.seed + 1 });
}

/** What differs between the phases of a transfer run: their length, rate and per-weight groups. */
export interface OptimizerPhase {
  /** Default `config.epochs`. */
  epochs?: number;
  /** Peak rate. Default `config.lr`. */
  lr?: number;
  paramGroups?: ParamGroups;
}

/**
 * The optimizer with a cosine schedule over the whole run (or phase) and a linear warmup of
 * 5% of it (at most 100 steps). The schedule depends on the total step count, so a resume
 * with more epochs stretches the remaining cosine; a resume with the same epochs is exact.
 */
export function buildClassifierOptimizer(config: ClassifyConfig, stepsPerEpoch: number, phase: OptimizerPhase = {}): Optimizer {
  const totalSteps = Math.max(1, stepsPerEpoch * (phase.epochs ?? config.epochs));
  const lr = phase.lr ?? config.lr;
  const learningRate = cosineWarmup({ baseLr: lr, totalSteps, warmupSteps: Math.min(100, Math.floor(totalSteps * 0.05)), minLr: lr * 0.01 });
  const { paramGroups } = phase;
  switch (config.optimizer) {
    case 'sgd':
      return new Sgd({ learningRate, momentum: 0.9, nesterov: true, weightDecay: 5e-4, paramGroups });
    case 'adamw':
      return new AdamW({ learningRate, paramGroups });
    case 'adam':
      return new Adam({ learningRate, paramGroups });
  }
}

/**
 * Training augmentation presets. `basic`: horizontal flip, a mild random resized crop
 * (70–100% of the area: at 64² the default 8% would leave a few pixels of the object) and
 * colour jitter. `randaugment`: flip + RandAugment (n 2, m 9).
 */
export function buildClassifierAugment(augment: ClassifyConfig['augment']): ImageTransform | undefined {
  switch (augment) {
    case 'none':
      return undefined;
    case 'basic':
      return compose(randomHorizontalFlip(), randomResizedCrop({ scale: [0.7, 1] }), colorJitter({ brightness: 0.2, contrast: 0.2, saturation: 0.2 }));
    case 'randaugment':
      return compose(randomHorizontalFlip(), randAugment({ n: 2, m: 9 }));
  }
}
