/**
 * DeepLabV3+ (Chen et al. 2018) on MobileNetV2: ASPP at output stride 16 (a 1×1 branch,
 * atrous 3×3 branches at rates 6/12/18, image pooling; 256 channels) and a decoder that
 * joins the ASPP output, upsampled ×4, with the stride-4 feature (projected to 48 channels),
 * refines with two separable 3×3 convs and upsamples the logits ×4 to the input.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import { mobileNetV2, mobileNetV2CutLayer } from '../models/mobilenet-v2';
import { pretrainedMobileNetV2 } from '../pretrained/pretrained-backbone';
import { AtrousConv2D } from './atrous-conv';
import { SegLayers, type Sym } from './seg-layers';

/** Options of {@link deeplabV3Plus}. */
export interface DeepLabV3PlusOptions {
  /** Square input side; a multiple of 16. */
  inputSize: number;
  numClasses: number;
  /** Start from the shipped ImageNet MobileNetV2 weights (α must be 1). Default true. */
  pretrained?: boolean;
  /** MobileNetV2 width (only without `pretrained`). Default 1. */
  alpha?: number;
  /** ASPP channels. Default 256. */
  asppChannels?: number;
  /** Decoder channels. Default 256. */
  decoderChannels?: number;
  /** Atrous rates of the 3×3 ASPP branches (with the 1×1 branch: rates 1/6/12/18). Default [6, 12, 18]. */
  rates?: number[];
  seed?: number;
}

/**
 * Builds DeepLabV3+ (logits `[N, H, W, numClasses]`, input RGB in [0, 1] as the pretrained
 * backbone expects). The backbone is MobileNetV2 up to block 12 (stride 16, 96 channels at
 * α 1); blocks 13–16 (stride 32) are left out rather than dilated — as DeepLab's own
 * MobileNetV2 at output stride 16 would need dilated depthwise convs, whose gradient tfjs
 * lacks. The stride-4 feature is block 2's output (24 channels).
 */
export async function deeplabV3Plus(options: DeepLabV3PlusOptions): Promise<tfl.LayersModel> {
  const size = options.inputSize;
  if (!(Number.isInteger(size) && size >= 32 && size % 16 === 0)) throw new InvalidArgumentError(`deeplabv3p: inputSize must be a multiple of 16 (>= 32), got ${size}`);
  const pretrained = options.pretrained ?? true;
  const alpha = options.alpha ?? 1;
  if (pretrained && alpha !== 1) throw new InvalidArgumentError('deeplabv3p: the pretrained MobileNetV2 has alpha 1');
  const seed = options.seed ?? 1;
  const backbone = pretrained ? await pretrainedMobileNetV2({ inputSize: size, seed }) : mobileNetV2({ inputSize: size, alpha, seed });
  const low = backbone.getLayer(mobileNetV2CutLayer(3, alpha)).output as Sym;
  const high = backbone.getLayer(mobileNetV2CutLayer(13, alpha)).output as Sym;
  const L = new SegLayers(seed * 1000 + 7);
  const aspp = options.asppChannels ?? 256;
  const dec = options.decoderChannels ?? 256;
  const rates = options.rates ?? [6, 12, 18];

  const branches: Sym[] = [L.convBnRelu(high, aspp, 1, 'aspp_1x1')];
  rates.forEach((r) => {
    const y = new AtrousConv2D({ filters: aspp, rate: r, useBias: false, seed: L.nextSeed(), name: `aspp_rate${r}` }).apply(high) as Sym;
    branches.push(L.relu(L.bn(y, `aspp_rate${r}_bn`), `aspp_rate${r}_relu`));
  });
  branches.push(L.imagePool(high, aspp, 'aspp_pool'));
  let x = tfl.layers.concatenate({ axis: -1, name: 'aspp_concat' }).apply(branches) as Sym;
  x = L.convBnRelu(x, aspp, 1, 'aspp_project');
  x = tfl.layers.dropout({ rate: 0.1, seed: L.nextSeed(), name: 'aspp_dropout' }).apply(x) as Sym;
  x = L.up(x, 4, 'decoder_up4');
  const lowProj = L.convBnRelu(low, 48, 1, 'decoder_low');
  x = tfl.layers.concatenate({ axis: -1, name: 'decoder_concat' }).apply([x, lowProj]) as Sym;
  x = L.sepConvBnRelu(x, dec, 'decoder_conv1');
  x = L.sepConvBnRelu(x, dec, 'decoder_conv2');
  x = L.up(L.logits(x, options.numClasses, 'logits'), 4, 'logits_up4');
  return tfl.model({ inputs: backbone.inputs, outputs: x, name: 'deeplabv3p_mobilenetv2' });
}
