/** The model, optimizer and loss a train seg configuration names. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import type { LossFn } from '../losses/loss';
import { Adam } from '../optim/adam';
import { AdamW } from '../optim/adamw';
import type { Optimizer } from '../optim/optimizer';
import { Sgd } from '../optim/sgd';
import { cosineWarmup } from '../schedules/cosine-warmup';
import { deeplabV3Plus } from './deeplabv3p';
import { fastSegNet } from './fast-seg-net';
import type { SegTrainConfig } from './seg-config';
import { segLoss } from './seg-losses';
import { unet } from './unet';

/**
 * Builds the configured architecture with `numClasses` logits at the input resolution.
 * `width` scales channels (unet: base channels 16·width; fast: width; deeplabv3p without a
 * pretrained backbone: MobileNetV2 α).
 */
export async function buildSegModel(config: SegTrainConfig, numClasses: number): Promise<tfl.LayersModel> {
  const { size, seed } = config;
  switch (config.model) {
    case 'deeplabv3p':
      return deeplabV3Plus({
        inputSize: size,
        numClasses,
        pretrained: config.backbone === 'mobilenetv2',
        alpha: config.backbone === 'mobilenetv2' ? 1 : config.width,
        seed,
      });
    case 'unet':
      if (config.backbone !== 'none') throw new InvalidArgumentError('unet has no pretrained backbone: use --backbone none (the default for unet)');
      return unet({ inputSize: size, numClasses, baseChannels: Math.max(4, Math.round(16 * config.width)), seed });
    case 'fast':
      if (config.backbone !== 'none') throw new InvalidArgumentError('fast has no pretrained backbone: use --backbone none (the default for fast)');
      return fastSegNet({ inputSize: size, numClasses, width: config.width, seed });
    default:
      throw new InvalidArgumentError(`unknown segmentation model ${String(config.model)}`);
  }
}

/** The optimizer with a cosine schedule (5% warm-up, down to 1% of the peak) over the run. */
export function buildSegOptimizer(config: SegTrainConfig, stepsPerEpoch: number): Optimizer {
  const totalSteps = Math.max(1, stepsPerEpoch * config.epochs);
  const learningRate = cosineWarmup({ baseLr: config.lr, totalSteps, warmupSteps: Math.min(100, Math.floor(totalSteps * 0.05)), minLr: config.lr * 0.01 });
  switch (config.optimizer) {
    case 'sgd':
      return new Sgd({ learningRate, momentum: 0.9, weightDecay: 4e-5 });
    case 'adamw':
      return new AdamW({ learningRate });
    case 'adam':
      return new Adam({ learningRate });
  }
}

/** The configured loss (CE with ignore 255, optionally OHEM, plus Dice or Lovász). */
export function buildSegLoss(config: SegTrainConfig): LossFn {
  return segLoss(config.loss, { ohem: config.ohem });
}
