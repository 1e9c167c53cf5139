/**
 * A one-stage GFL detector in the NanoDet-Plus / PicoDet family as tfjs layers:
 * MobileNetV2 (optionally the shipped ImageNet weights) → a light PAN → per level a small
 * depthwise-separable head with a class branch and a distance-distribution branch.
 * Two models share every layer: one for training (raw logits of all points, concatenated)
 * and one for export (per stride the sigmoid scores `[cells, classes]` and distance logits
 * `[cells, 4·(regMax+1)]` the det kit's GFL decoder finds by shape).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import { MOBILENET_V2_BLOCKS, mobileNetV2, mobileNetV2CutLayer } from '../models/mobilenet-v2';
import { pretrainedMobileNetV2 } from '../pretrained/pretrained-backbone';

/** Feature strides of the detector (MobileNetV2 blocks 6, 13 and the top). */
export const GFL_STRIDES = [8, 16, 32] as const;

/** MobileNetV2 block index whose input is each level's feature map (17 = after the last block). */
const TAP_BLOCKS = [6, 13, 17] as const;

/** Options of {@link buildGflDetector}. */
export interface GflDetectorOptions {
  /** Square input side; a multiple of 32. */
  inputSize: number;
  numClasses: number;
  /** Distances are distributions over 0..regMax strides (NanoDet-Plus: 7). Default 7. */
  regMax?: number;
  /** Channels of the PAN and the heads. Default 96 (NanoDet-Plus-m). */
  neckChannels?: number;
  /** Depthwise-separable conv blocks per head before the outputs. Default 2. */
  headConvs?: number;
  /** Start from the shipped ImageNet MobileNetV2 (α 1). Default true; false = random init (tests). */
  pretrained?: boolean;
  /** Width multiplier of a randomly initialised backbone (pretrained is α 1). Default 1. */
  alpha?: number;
  /**
   * Backbone blocks (of 17, from the stem up) whose weights stay fixed, their batch norms in
   * inference mode; 17 = the whole backbone. Default 0.
   */
  frozenBlocks?: number;
  /** Momentum of the batch norms' moving statistics. Default 0.9 (short fine-tuning runs). */
  batchNormMomentum?: number;
  seed?: number;
}

/** The two views of one detector. */
export interface GflDetector {
  /** Training view: `[N, points, numClasses + 4·(regMax+1)]` raw logits, levels concatenated. */
  train: tfl.LayersModel;
  /** Export view: per stride, `scores_<s>` (sigmoid) and `distances_<s>` (logits). */
  export: tfl.LayersModel;
  numClasses: number;
  regMax: number;
  strides: readonly number[];
  inputSize: number;
  /** Names of the layers of the backbone (for learning-rate groups). */
  backboneLayers: ReadonlySet<string>;
}

type Sym = tfl.SymbolicTensor;

/** Keras' block index of a MobileNetV2 layer name (`bn_Conv1` → −1 = stem, `Conv_1` → 17). */
function blockOf(layer: string): number {
  const m = /^block_(\d+)_/.exec(layer);
  if (m) return Number(m[1]);
  if (layer.startsWith('expanded_conv')) return 0;
  if (layer === 'Conv1' || layer === 'bn_Conv1' || layer === 'Conv1_relu' || layer === 'image') return -1;
  return MOBILENET_V2_BLOCKS;
}

/**
 * Makes a batch norm normalise with its moving statistics even in a training pass, so a
 * frozen backbone computes the features it was pretrained to (tfjs' BatchNormalization
 * uses batch statistics whenever `training` is set, trainable or not).
 */
function inferenceModeBatchNorm(layer: tfl.layers.Layer): void {
  const target = layer as unknown as { call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] };
  const call = target.call.bind(layer);
  target.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
}

/**
 * Builds the detector; with `pretrained` the backbone gets the shipped ImageNet
 * MobileNetV2 weights (input RGB in [0, 1]).
 *
 * @throws InvalidArgumentError for an input size that is not a multiple of 32 or bad counts.
 */
export async function buildGflDetector(options: GflDetectorOptions): Promise<GflDetector> {
  const size = options.inputSize;
  if (!(Number.isInteger(size) && size >= 32 && size % 32 === 0)) throw new InvalidArgumentError(`detector input size must be a multiple of 32, got ${size}`);
  if (!(Number.isInteger(options.numClasses) && options.numClasses >= 1)) throw new InvalidArgumentError(`numClasses must be an integer >= 1, got ${options.numClasses}`);
  const regMax = options.regMax ?? 7;
  if (!(Number.isInteger(regMax) && regMax >= 1)) throw new InvalidArgumentError(`regMax must be an integer >= 1, got ${regMax}`);
  const C = options.numClasses;
  const bins = regMax + 1;
  if (C === 4 * bins) throw new InvalidArgumentError(`${C} classes would make score and distance outputs the same shape; use another regMax`);
  const neck = options.neckChannels ?? 96;
  const headConvs = options.headConvs ?? 2;
  const pretrained = options.pretrained ?? true;
  const alpha = pretrained ? 1 : (options.alpha ?? 1);
  const momentum = options.batchNormMomentum ?? 0.9;
  const frozen = options.frozenBlocks ?? 0;
  if (!(Number.isInteger(frozen) && frozen >= 0 && frozen <= MOBILENET_V2_BLOCKS)) throw new InvalidArgumentError(`frozenBlocks must be an integer in [0, 17], got ${frozen}`);
  let seed = options.seed ?? 1;

  const backbone = pretrained
    ? await pretrainedMobileNetV2({ inputSize: size, seed, batchNormMomentum: momentum })
    : mobileNetV2({ inputSize: size, alpha, seed, batchNormMomentum: momentum });
  seed += 100;
  const backboneLayers = new Set(backbone.layers.map((l) => l.name));
  for (const layer of backbone.layers) {
    // Blocks below `frozen` (and the stem with them) keep their pretrained weights.
    if (frozen > 0 && blockOf(layer.name) < frozen) {
      layer.trainable = false;
      if (layer.getClassName() === 'BatchNormalization') inferenceModeBatchNorm(layer);
    }
  }
  const taps = TAP_BLOCKS.map((k) => backbone.getLayer(mobileNetV2CutLayer(k, alpha)).output as Sym);

  const init = (): ReturnType<typeof tfl.initializers.heNormal> => tfl.initializers.heNormal({ seed: seed++ });
  const bn = (x: Sym, name: string): Sym => tfl.layers.batchNormalization({ momentum, epsilon: 1e-3, name }).apply(x) as Sym;
  const act = (x: Sym, name: string): Sym => tfl.layers.reLU({ maxValue: 6, name }).apply(x) as Sym;
  const conv1x1 = (x: Sym, filters: number, name: string): Sym =>
    tfl.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name }).apply(x) as Sym;
  const dw = (x: Sym, strides: number, name: string): Sym =>
    tfl.layers.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: init(), name }).apply(x) as Sym;

  // Light PAN (NanoDet's): 1×1 laterals to `neck` channels, top-down bilinear upsampling +
  // add, bottom-up strided depthwise conv + add.
  const lateral = taps.map((t, i) => bn(conv1x1(t, neck, `pan_lateral_${i}`), `pan_lateral_${i}_bn`));
  const up = (x: Sym, name: string): Sym => tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name }).apply(x) as Sym;
  const add = (a: Sym, b: Sym, name: string): Sym => tfl.layers.add({ name }).apply([a, b]) as Sym;
  const td1 = add(lateral[1], up(lateral[2], 'pan_up_2'), 'pan_td_1');
  const td0 = add(lateral[0], up(td1, 'pan_up_1'), 'pan_td_0');
  const down = (x: Sym, name: string): Sym => bn(dw(x, 2, name), `${name}_bn`);
  const bu1 = add(td1, down(td0, 'pan_down_0'), 'pan_bu_1');
  const bu2 = add(lateral[2], down(bu1, 'pan_down_1'), 'pan_bu_2');
  const feats = [td0, bu1, bu2];

  const scoresTrain: Sym[] = [];
  const distTrain: Sym[] = [];
  const exportOutputs: Sym[] = [];
  feats.forEach((f, i) => {
    const s = GFL_STRIDES[i];
    const cells = Math.ceil(size / s) ** 2;
    let x = f;
    for (let k = 0; k < headConvs; k++) {
      const p = `head_${s}_${k}`;
      x = act(bn(dw(x, 1, `${p}_dw`), `${p}_dw_bn`), `${p}_dw_relu`);
      x = act(bn(conv1x1(x, neck, `${p}_pw`), `${p}_pw_bn`), `${p}_pw_relu`);
    }
    // Class prior 0.01 at the start (RetinaNet/GFL bias init), so QFL is not swamped by easy negatives.
    const cls = tfl.layers
      .conv2d({ filters: C, kernelSize: 1, kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.01, seed: seed++ }), biasInitializer: tfl.initializers.constant({ value: -4.595 }), name: `head_${s}_cls` })
      .apply(x) as Sym;
    const reg = tfl.layers
      .conv2d({ filters: 4 * bins, kernelSize: 1, kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.01, seed: seed++ }), name: `head_${s}_reg` })
      .apply(x) as Sym;
    const clsFlat = tfl.layers.reshape({ targetShape: [cells, C], name: `head_${s}_cls_flat` }).apply(cls) as Sym;
    const regFlat = tfl.layers.reshape({ targetShape: [cells, 4 * bins], name: `distances_${s}` }).apply(reg) as Sym;
    scoresTrain.push(clsFlat);
    distTrain.push(regFlat);
    exportOutputs.push(tfl.layers.activation({ activation: 'sigmoid', name: `scores_${s}` }).apply(clsFlat) as Sym, regFlat);
  });
  const allScores = tfl.layers.concatenate({ axis: 1, name: 'train_scores' }).apply(scoresTrain) as Sym;
  const allDist = tfl.layers.concatenate({ axis: 1, name: 'train_distances' }).apply(distTrain) as Sym;
  const trainOut = tfl.layers.concatenate({ axis: -1, name: 'train_logits' }).apply([allScores, allDist]) as Sym;
  const input = backbone.inputs[0];
  return {
    train: tfl.model({ inputs: input, outputs: trainOut, name: 'gfl_train' }),
    export: tfl.model({ inputs: input, outputs: exportOutputs, name: 'gfl_detector' }),
    numClasses: C,
    regMax,
    strides: [...GFL_STRIDES],
    inputSize: size,
    backboneLayers,
  };
}
