/**
 * `train classify --backbone mobilenetv2`: transfer learning from the shipped pretrained
 * MobileNetV2 in two phases, each a plain Trainer run on cached backbone features.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ProgressCallback } from '@modelkit/core';
import { crossEntropy } from '../losses/cross-entropy';
import { Accuracy } from '../metrics/accuracy';
import { MOBILENET_V2_BLOCKS } from '../models/mobilenet-v2';
import { computeFrozenFeatures, type FrozenFeatures } from '../pretrained/frozen-features';
import { FeatureDataset } from '../pretrained/feature-dataset';
import { pretrainedMobileNetV2 } from '../pretrained/pretrained-backbone';
import { buildFeatureHead, copyWeightsByLayerName, HEAD_LAYER } from '../pretrained/transfer-models';
import { loadCheckpoint } from '../trainer/checkpoint';
import { Trainer, type FitResult } from '../trainer/trainer';
import type { ClassifyConfig } from './classify-config';
import type { ClassifyData } from './classify-data';
import { buildClassifierOptimizer } from './build-classifier';
import { loadWeightsInto } from './load-weights';

/** Dropout before the softmax head of a transfer run (Keras' transfer-learning guide uses 0.2). */
const HEAD_DROPOUT = 0.2;
/** Width of MobileNetV2's pooled features. */
const POOLED_DIM = 1280;
/** Fine-tuning runs at this fraction of the head phase's learning rate (the head is already trained; README "Pretrained backbone"). */
const FINE_TUNE_LR_SCALE = 0.3;
/** Moving-statistics momentum of the unfrozen blocks' batch norms: they must catch up with the new data within a short run. */
const FINE_TUNE_BN_MOMENTUM = 0.9;

/** One phase of a transfer run. */
export interface TransferPhase {
  phase: 'head' | 'fine-tune';
  /** Epochs completed and optimizer steps of this phase (0 when it was already done before a resume). */
  epochs: number;
  steps: number;
  seconds: number;
  /** Validation accuracy after the phase's last epoch. */
  valAccuracy?: number;
  /** Where its checkpoints and log are. */
  dir: string;
}

/** What {@link trainTransferClassifier} needs besides the config. */
export interface TransferRunOptions {
  config: ClassifyConfig;
  data: ClassifyData;
  out: string;
  resuming: boolean;
  saveInterval?: number;
  /** onnxruntime threads of the frozen-feature pass. Default 1. */
  threads?: number;
  onProgress?: ProgressCallback;
  say: (line: string) => void;
}

/** A finished transfer run. */
export interface TransferRun {
  /** The trainable part of the last phase (head, or top blocks + head), with its last weights. */
  phaseModel: tfl.LayersModel;
  /** The last phase's fit. */
  fit: FitResult;
  phases: TransferPhase[];
  /** Seconds spent computing the frozen features. */
  featureSeconds: number;
  /** Frees the phase model. */
  dispose(): void;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The first block the fine-tuning phase trains, or undefined for a frozen backbone. */
function fineTuneFromBlock(config: ClassifyConfig): number | undefined {
  return config.unfreeze > 0 ? MOBILENET_V2_BLOCKS - config.unfreeze : undefined;
}

/**
 * The trainable model of a run's last phase, freshly initialised (pretrained top blocks, new
 * head): what its checkpoints hold weights for, in `model.weights` order.
 */
export async function buildTransferPhaseModel(config: ClassifyConfig, numClasses: number): Promise<tfl.LayersModel> {
  const from = fineTuneFromBlock(config);
  if (from === undefined) return buildFeatureHead(POOLED_DIM, numClasses, { dropout: HEAD_DROPOUT, seed: config.seed + 1 });
  return pretrainedMobileNetV2({ inputSize: config.size, fromBlock: from, numClasses, dropout: HEAD_DROPOUT, batchNormMomentum: FINE_TUNE_BN_MOMENTUM, seed: config.seed + 1 });
}

/**
 * The whole network, image in [0, 1] → class probabilities: the pretrained MobileNetV2 at
 * the run's size with the trained layers of `phaseModel` copied in by name. What is exported
 * to ONNX. The caller disposes it.
 */
export async function buildTransferExportModel(config: ClassifyConfig, numClasses: number, phaseModel: tfl.LayersModel): Promise<tfl.LayersModel> {
  const full = await pretrainedMobileNetV2({ inputSize: config.size, numClasses, dropout: HEAD_DROPOUT, seed: config.seed + 1 });
  copyWeightsByLayerName(phaseModel, full);
  return full;
}

/**
 * Trains a classifier on the pretrained MobileNetV2 (PaddleHub's fine-tune recipe, with the
 * frozen part run once):
 * 1. the frozen backbone runs once over every image (onnxruntime) and its pooled features,
 *    plus the feature maps entering the top `unfreeze` blocks, are cached — the image and
 *    its mirror unless `augment` is `none`;
 * 2. `head` phase: dropout + softmax Dense on the pooled features for `headEpochs` (or
 *    `epochs` when `unfreeze` is 0), at `lr`; nearly free, as no backbone runs per epoch;
 * 3. `fine-tune` phase (unfreeze > 0): the top blocks (pretrained) + that head train on the
 *    cached maps for `epochs` at 0.3·`lr`, the blocks at `backboneLrScale` of that rate and
 *    weight decay; their batch norms adapt their statistics (momentum 0.9).
 * Checkpoints: the head phase in `out/head/` when a fine-tuning phase follows, the last
 * phase in `out/` (`last/`, `best/`, `train.log.jsonl`); a resume continues whichever
 * phase was running.
 */
export async function trainTransferClassifier(options: TransferRunOptions): Promise<TransferRun> {
  const { config, data, out, say } = options;
  const k = data.classNames.length;
  const from = fineTuneFromBlock(config);
  const views = config.augment === 'none' ? 'single' : 'flip';
  const t0 = performance.now();
  const session = options.threads ? { threads: options.threads } : undefined;
  const trainFeatures = await computeFrozenFeatures(data.train.images, { size: config.size, cutBlock: from, views, session });
  const valFeatures = data.val ? await computeFrozenFeatures(data.val.images, { size: config.size, cutBlock: from, session }) : undefined;
  const featureSeconds = (performance.now() - t0) / 1000;
  const cached = data.train.length * (views === 'flip' ? 2 : 1) + (data.val?.length ?? 0);
  say(
    `features: frozen MobileNetV2 at ${config.size}x${config.size} over ${cached} images${views === 'flip' ? ' (training images also mirrored)' : ''} in ${featureSeconds.toFixed(1)} s` +
      (trainFeatures.mapShape ? `; fine-tuning blocks ${from}-16 from [${trainFeatures.mapShape.join('x')}] maps` : ''),
  );

  const stepsPerEpoch = Math.ceil(data.train.length / config.batchSize);
  const fitOptions = (epochs: number, val: FrozenFeatures | undefined, resume: boolean, shape: readonly number[], pick: (f: FrozenFeatures) => Float32Array[][]) => ({
    epochs,
    batchSize: config.batchSize,
    microBatchSize: config.microBatch !== undefined ? Math.min(config.microBatch, config.batchSize) : undefined,
    evalData: val ? new FeatureDataset(pick(val), data.val!.labels, k, shape) : undefined,
    bestMetric: val ? 'acc' : undefined,
    bestMode: 'max' as const,
    logInterval: Math.min(10, stepsPerEpoch),
    saveInterval: options.saveInterval,
    resume,
  });
  const phases: TransferPhase[] = [];

  // Phase 1: the head on pooled features.
  const headDir = from === undefined ? out : join(out, 'head');
  const headEpochs = from === undefined ? config.epochs : config.headEpochs;
  const head = buildFeatureHead(POOLED_DIM, k, { dropout: HEAD_DROPOUT, seed: config.seed + 1 });
  const fineTuneStarted = from !== undefined && options.resuming && (await exists(join(out, 'last', 'manifest.json')));
  let fit: FitResult | undefined;
  if (!fineTuneStarted && headEpochs > 0) {
    const t1 = performance.now();
    say(`head: softmax on ${POOLED_DIM}-d frozen features, ${headEpochs} epochs at lr ${config.lr}`);
    const trainer = new Trainer({
      model: head,
      optimizer: buildClassifierOptimizer(config, stepsPerEpoch, { epochs: headEpochs }),
      lossFn: crossEntropy(),
      metrics: [new Accuracy()],
      checkpointDir: headDir,
      seed: config.seed,
      onProgress: options.onProgress,
    });
    try {
      fit = await trainer.fit(
        new FeatureDataset(trainFeatures.pooled, data.train.labels, k, [POOLED_DIM]),
        fitOptions(headEpochs, valFeatures, options.resuming && (await exists(join(headDir, 'last', 'manifest.json'))), [POOLED_DIM], (f) => f.pooled),
      );
    } finally {
      trainer.dispose();
    }
    phases.push({ phase: 'head', epochs: fit.epochs, steps: fit.steps, seconds: (performance.now() - t1) / 1000, valAccuracy: fit.lastEval?.acc, dir: headDir });
  }
  if (from === undefined) {
    return { phaseModel: head, fit: fit!, phases, featureSeconds, dispose: () => head.dispose() };
  }

  // Phase 2: the top blocks + the head on the cached maps entering them.
  const t2 = performance.now();
  const model = await buildTransferPhaseModel(config, k);
  copyWeightsByLayerName(head, model);
  head.dispose();
  const headVars = new Set(model.getLayer(HEAD_LAYER).trainableWeights.map((w) => (w.read() as tf.Variable).name));
  const lr = config.lr * FINE_TUNE_LR_SCALE;
  say(`fine-tune: blocks ${from}-16 + Conv_1 + head, ${config.epochs} epochs at lr ${lr} (blocks x${config.backboneLrScale})`);
  const trainer = new Trainer({
    model,
    optimizer: buildClassifierOptimizer(config, stepsPerEpoch, {
      lr,
      paramGroups: (v) => (headVars.has(v.name) ? {} : { lrScale: config.backboneLrScale, decayScale: config.backboneLrScale }),
    }),
    lossFn: crossEntropy(),
    metrics: [new Accuracy()],
    checkpointDir: out,
    seed: config.seed,
    onProgress: options.onProgress,
  });
  try {
    fit = await trainer.fit(
      new FeatureDataset(trainFeatures.maps!, data.train.labels, k, trainFeatures.mapShape!),
      fitOptions(config.epochs, valFeatures, fineTuneStarted, trainFeatures.mapShape!, (f) => f.maps!),
    );
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    trainer.dispose();
  }
  phases.push({ phase: 'fine-tune', epochs: fit.epochs, steps: fit.steps, seconds: (performance.now() - t2) / 1000, valAccuracy: fit.lastEval?.acc, dir: out });
  return { phaseModel: model, fit, phases, featureSeconds, dispose: () => model.dispose() };
}

/** Loads the last phase's `best/` checkpoint into `phaseModel`; false when there is none. */
export async function loadBestTransferWeights(out: string, phaseModel: tfl.LayersModel): Promise<boolean> {
  const best = await loadCheckpoint(join(out, 'best'));
  if (!best) return false;
  loadWeightsInto(phaseModel, best.weights);
  return true;
}
