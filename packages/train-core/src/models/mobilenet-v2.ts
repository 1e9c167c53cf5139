import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';

/** One inverted residual block of MobileNetV2: expansion t, output channels c (at α 1), stride s. */
interface BlockSpec {
  expansion: number;
  channels: number;
  stride: number;
}

/**
 * The 17 inverted residual blocks of MobileNetV2 (Sandler et al., table 2: the seven stages
 * (t, c, n, s) = (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2)
 * (6,320,1,1) unrolled), in Keras' block order: `expanded_conv` then `block_1` … `block_16`.
 */
const BLOCKS: readonly BlockSpec[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
].flatMap(([t, c, n, s]) => Array.from({ length: n }, (_, i) => ({ expansion: t, channels: c, stride: i === 0 ? s : 1 })));

/** Number of inverted residual blocks (17); `fromBlock` runs from 0 to this. */
export const MOBILENET_V2_BLOCKS: number = BLOCKS.length;

/** Options of {@link mobileNetV2}. */
export interface MobileNetV2Options {
  /** Input side in pixels (square RGB input). Default 224. */
  inputSize?: number;
  /** Width multiplier. Default 1 (2.26 M parameters with a 1000-class head, 2.22 M without). */
  alpha?: number;
  /** Classes of a softmax head after global average pooling; without it the model outputs the pooled features. */
  numClasses?: number;
  /** Dropout rate before the softmax head (0 = none, the default, as Keras). */
  dropout?: number;
  /** Seed of the initialisers (He normal for convs, Glorot uniform for the head). Default 1. */
  seed?: number;
  /** Momentum of the batch-norm moving statistics. Default 0.99 (Keras uses 0.999; short runs want 0.9, see smallCnn). */
  batchNormMomentum?: number;
  /**
   * Build only blocks `fromBlock` … 16, the head conv and what follows, with the input
   * being the feature map the earlier blocks produce ({@link mobileNetV2FeatureShape}).
   * A frozen prefix runs once (see `pretrained/`), this part trains. Default 0 with the stem:
   * the whole network on images.
   */
  fromBlock?: number;
}

/** Keras' `_make_divisible`: channels rounded to a multiple of 8, never more than 10% below `v`. */
function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** Keras' layer-name prefix of block `k`. */
function blockName(k: number): string {
  return k === 0 ? 'expanded_conv' : `block_${k}`;
}

/** Output channels of the stem (k = 0) or of block k − 1, at width α. */
function channelsBefore(k: number, alpha: number): number {
  return k === 0 ? makeDivisible(32 * alpha) : makeDivisible(BLOCKS[k - 1]!.channels * alpha);
}

/** Spatial side of the map entering block `k` for an `inputSize`² image ('same' padding: ceil at every stride). */
function sideBefore(k: number, inputSize: number): number {
  let side = Math.ceil(inputSize / 2);
  for (let i = 0; i < k; i++) side = Math.ceil(side / BLOCKS[i]!.stride);
  return side;
}

/** Shape `[side, side, channels]` of the feature map that enters block `k` (0 … 17; 17 = the head conv). */
export function mobileNetV2FeatureShape(k: number, inputSize: number, alpha = 1): [number, number, number] {
  checkBlock(k);
  const side = sideBefore(k, inputSize);
  return [side, side, channelsBefore(k, alpha)];
}

/** Name of the layer whose output enters block `k` (`Conv1_relu` for 0, `block_16_project_BN` for 17). */
export function mobileNetV2CutLayer(k: number, alpha = 1): string {
  checkBlock(k);
  if (k === 0) return 'Conv1_relu';
  const prev = k - 1;
  const spec = BLOCKS[prev]!;
  const residual = spec.stride === 1 && channelsBefore(prev, alpha) === makeDivisible(spec.channels * alpha);
  return residual ? `${blockName(prev)}_add` : `${blockName(prev)}_project_BN`;
}

function checkBlock(k: number): void {
  if (!(Number.isInteger(k) && k >= 0 && k <= MOBILENET_V2_BLOCKS)) {
    throw new InvalidArgumentError(`MobileNetV2 block index must be an integer in [0, ${MOBILENET_V2_BLOCKS}], got ${k}`);
  }
}

type Sym = tfl.SymbolicTensor;

/**
 * MobileNetV2 as in Keras Applications (`tf.keras.applications.MobileNetV2`): a 3×3
 * stride-2 stem, 17 inverted residual blocks in seven stages (expand 1×1 → depthwise 3×3 →
 * linear project 1×1, residual adds where shapes allow), a 1×1 conv to 1280 channels and
 * global average pooling. Layer names are Keras' (`Conv1`, `block_5_depthwise_BN`,
 * `Conv_1`, …), so Keras weights load by name (`loadPretrainedWeights`). Strided layers use
 * `same` padding, which pads exactly as Keras' explicit `ZeroPadding2D` + `valid` for
 * every input size (one row/column at the bottom/right for even sides, one on each side for
 * odd ones).
 *
 * @throws InvalidArgumentError for a bad size, width, class count or `fromBlock`.
 */
export function mobileNetV2(options: MobileNetV2Options = {}): tfl.LayersModel {
  const size = options.inputSize ?? 224;
  const alpha = options.alpha ?? 1;
  const fromBlock = options.fromBlock ?? 0;
  if (!(Number.isInteger(size) && size >= 32)) throw new InvalidArgumentError(`mobileNetV2: inputSize must be an integer >= 32, got ${size}`);
  if (!(alpha > 0)) throw new InvalidArgumentError(`mobileNetV2: alpha must be > 0, got ${alpha}`);
  if (options.numClasses !== undefined && !(Number.isInteger(options.numClasses) && options.numClasses >= 1)) {
    throw new InvalidArgumentError(`mobileNetV2: numClasses must be an integer >= 1, got ${options.numClasses}`);
  }
  checkBlock(fromBlock);
  let seed = options.seed ?? 1;
  const momentum = options.batchNormMomentum ?? 0.99;
  const init = (): ReturnType<typeof tfl.initializers.heNormal> => tfl.initializers.heNormal({ seed: seed++ });
  const bn = (x: Sym, name: string): Sym => tfl.layers.batchNormalization({ momentum, epsilon: 1e-3, name }).apply(x) as Sym;
  const relu6 = (x: Sym, name: string): Sym => tfl.layers.reLU({ maxValue: 6, name }).apply(x) as Sym;
  const conv1x1 = (x: Sym, filters: number, name: string): Sym =>
    tfl.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name }).apply(x) as Sym;

  const block = (x: Sym, k: number): Sym => {
    const spec = BLOCKS[k]!;
    const name = blockName(k);
    const inC = x.shape[3] as number;
    const outC = makeDivisible(spec.channels * alpha);
    let y = x;
    if (spec.expansion !== 1) y = relu6(bn(conv1x1(y, inC * spec.expansion, `${name}_expand`), `${name}_expand_BN`), `${name}_expand_relu`);
    y = tfl.layers
      .depthwiseConv2d({ kernelSize: 3, strides: spec.stride, padding: 'same', useBias: false, depthwiseInitializer: init(), name: `${name}_depthwise` })
      .apply(y) as Sym;
    y = relu6(bn(y, `${name}_depthwise_BN`), `${name}_depthwise_relu`);
    y = bn(conv1x1(y, outC, `${name}_project`), `${name}_project_BN`);
    if (spec.stride === 1 && inC === outC) y = tfl.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym;
    return y;
  };

  const input = fromBlock === 0 ? tfl.input({ shape: [size, size, 3], name: 'image' }) : tfl.input({ shape: mobileNetV2FeatureShape(fromBlock, size, alpha), name: 'features' });
  let x: Sym = input;
  if (fromBlock === 0) {
    const stem = tfl.layers
      .conv2d({ filters: channelsBefore(0, alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(), name: 'Conv1' })
      .apply(x) as Sym;
    x = relu6(bn(stem, 'bn_Conv1'), 'Conv1_relu');
  }
  for (let k = fromBlock; k < MOBILENET_V2_BLOCKS; k++) x = block(x, k);
  x = relu6(bn(conv1x1(x, alpha > 1 ? makeDivisible(1280 * alpha) : 1280, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
  if (options.numClasses !== undefined) {
    if (options.dropout) x = tfl.layers.dropout({ rate: options.dropout, seed: seed++, name: 'dropout' }).apply(x) as Sym;
    x = tfl.layers
      .dense({ units: options.numClasses, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }), name: 'predictions' })
      .apply(x) as Sym;
  }
  return tfl.model({ inputs: input, outputs: x, name: fromBlock === 0 ? 'mobilenetv2' : `mobilenetv2_from_block_${fromBlock}` });
}
