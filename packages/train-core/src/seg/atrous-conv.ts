/**
 * Atrous (dilated) 3×3 convolution that trains on tfjs. tfjs' Conv2D gradient refuses
 * `dilationRate > 1`, so the layer computes it as TF's `atrous_conv2d` does:
 * SpaceToBatchND (block = rate) → plain convolution → BatchToSpaceND, whose gradients are
 * each other (and exist on the wasm backend). Same output as a `same`-padded Conv2D with
 * `dilationRate = rate`; the ONNX export writes it as one Conv with `dilations`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';

/** Class name of {@link AtrousConv2D} (what the ONNX exporter dispatches on). */
export const ATROUS_CONV_CLASS = 'AtrousConv2D';

/** Options of {@link AtrousConv2D}. */
export interface AtrousConv2DOptions {
  filters: number;
  /** Dilation rate (1 = ordinary convolution). */
  rate: number;
  /** Square kernel side. Default 3. */
  kernelSize?: number;
  useBias?: boolean;
  /** Seed of the He-normal kernel initialiser. */
  seed?: number;
  name?: string;
}

/**
 * `same`-padded, stride-1 dilated convolution with a Conv2D's weights (`kernel`
 * `[k, k, in, filters]`, optional `bias`) and config (`dilationRate: [rate, rate]`).
 */
export class AtrousConv2D extends tfl.layers.Layer {
  static readonly className = ATROUS_CONV_CLASS;
  readonly filters: number;
  readonly rate: number;
  readonly kernelSize: number;
  readonly useBias: boolean;
  private readonly seed: number | undefined;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(options: AtrousConv2DOptions) {
    super({ name: options.name, trainable: true });
    if (!(Number.isInteger(options.rate) && options.rate >= 1)) throw new InvalidArgumentError(`AtrousConv2D: rate must be an integer >= 1, got ${options.rate}`);
    this.filters = options.filters;
    this.rate = options.rate;
    this.kernelSize = options.kernelSize ?? 3;
    if (this.kernelSize % 2 !== 1) throw new InvalidArgumentError(`AtrousConv2D: kernelSize must be odd, got ${this.kernelSize}`);
    this.useBias = options.useBias ?? true;
    this.seed = options.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, shape[3] as number, this.filters], 'float32', tfl.initializers.heNormal({ seed: this.seed }));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0], shape[1], shape[2], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const w = this.kernel!.read() as tf.Tensor4D;
      let y = atrousConv2d(x, w, this.rate);
      if (this.bias) y = tf.add(y, this.bias.read()) as tf.Tensor4D;
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize, this.kernelSize],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [this.rate, this.rate],
      useBias: this.useBias,
      activation: 'linear',
      dataFormat: 'channelsLast',
    };
  }
}
tf.serialization.registerClass(AtrousConv2D);

/**
 * `same`-padded dilated convolution of NHWC `x` with `w` `[k, k, in, out]` via
 * SpaceToBatchND → valid conv → BatchToSpaceND (TF's `atrous_conv2d`): each of the rate²
 * phase sub-images is convolved with the undilated kernel.
 */
export function atrousConv2d(x: tf.Tensor4D, w: tf.Tensor4D, rate: number): tf.Tensor4D {
  if (rate === 1) return tf.conv2d(x, w, 1, 'same');
  const [, h, wd] = x.shape;
  const half = ((w.shape[0] - 1) / 2) * rate;
  // Pad by the dilated kernel's half on each side, plus whatever makes the side a multiple of the rate.
  const extraH = (rate - ((h + 2 * half) % rate)) % rate;
  const extraW = (rate - ((wd + 2 * half) % rate)) % rate;
  const s2b = tf.spaceToBatchND(x, [rate, rate], [[half, half + extraH], [half, half + extraW]]);
  const conv = tf.conv2d(s2b as tf.Tensor4D, w, 1, 'valid');
  return tf.batchToSpaceND(conv, [rate, rate], [[0, extraH], [0, extraW]]) as tf.Tensor4D;
}
