/**
 * What each tfjs layer class does to the channel axis, for the pruner. A class missing here
 * is refused by name rather than guessed at: a wrong guess would build a model that runs
 * but computes something else.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, ModelError } from '@modelkit/core';

/** A tfjs layer as the pruner sees it. */
export type TfLayer = tfl.LayersModel['layers'][number];

/**
 * - `producer`: makes new output channels from weights (Conv2D filters, Dense units); its
 *   input channels are rows of its kernel.
 * - `channelwise`: per-channel weights, output channel c is input channel c (BatchNorm,
 *   depthwise conv with multiplier 1, PReLU).
 * - `passthrough`: no per-channel weights, channels unchanged (activations, pooling, padding, dropout).
 * - `mixing`: channels unchanged in number but each output depends on all of them (a softmax
 *   over channels): the channels reaching it cannot be removed.
 * - `elementwise`: inputs combined channel by channel (Add, Multiply, ...): their channels are one.
 * - `concat`: inputs stacked on the channel axis.
 * - `flatten`: every spatial position repeats the channels.
 */
export type LayerRole = 'producer' | 'channelwise' | 'passthrough' | 'mixing' | 'elementwise' | 'concat' | 'flatten';

const ROLES: Readonly<Record<string, LayerRole>> = {
  Conv2D: 'producer',
  SeparableConv2D: 'producer',
  Dense: 'producer',
  BatchNormalization: 'channelwise',
  DepthwiseConv2D: 'channelwise',
  PReLU: 'channelwise',
  Activation: 'passthrough',
  ReLU: 'passthrough',
  LeakyReLU: 'passthrough',
  ELU: 'passthrough',
  ThresholdedReLU: 'passthrough',
  MaxPooling2D: 'passthrough',
  AveragePooling2D: 'passthrough',
  GlobalAveragePooling2D: 'passthrough',
  GlobalMaxPooling2D: 'passthrough',
  ZeroPadding2D: 'passthrough',
  Cropping2D: 'passthrough',
  UpSampling2D: 'passthrough',
  Dropout: 'passthrough',
  SpatialDropout1D: 'passthrough',
  GaussianNoise: 'passthrough',
  GaussianDropout: 'passthrough',
  AlphaDropout: 'passthrough',
  Softmax: 'mixing',
  Add: 'elementwise',
  Multiply: 'elementwise',
  Average: 'elementwise',
  Maximum: 'elementwise',
  Minimum: 'elementwise',
  Concatenate: 'concat',
  Flatten: 'flatten',
};

/** Layer classes the pruner knows. */
export const PRUNABLE_LAYER_CLASSES: readonly string[] = Object.keys(ROLES);

/** The error for a layer (or a setting of it) the pruner has no rule for. */
export function unsupportedLayer(layer: TfLayer, what?: string): ModelError {
  const className = layer.getClassName();
  const detail = what ? ` (${what})` : '';
  return new ModelError(
    ErrorCodes.UNSUPPORTED_OP,
    `cannot prune a model with layer "${layer.name}" of class ${className}${detail}: the pruner knows ${PRUNABLE_LAYER_CLASSES.join(', ')}`,
    { details: { layerClass: className, layer: layer.name, ...(what ? { setting: what } : {}) } },
  );
}

/** The role of `layer`, after checking the settings the pruner relies on. */
export function layerRole(layer: TfLayer, inputRank: number): LayerRole {
  const className = layer.getClassName();
  const role = ROLES[className];
  if (!role) throw unsupportedLayer(layer);
  const config = layer.getConfig() as Record<string, unknown>;
  const format = config.dataFormat;
  if (format !== undefined && format !== null && format !== 'channelsLast') throw unsupportedLayer(layer, `dataFormat=${String(format)}`);
  const lastAxis = (key: string): void => {
    const axis = config[key];
    const list = Array.isArray(axis) ? axis : [axis];
    if (list.length !== 1 || !(list[0] === -1 || list[0] === inputRank - 1)) throw unsupportedLayer(layer, `${key}=${JSON.stringify(axis)}, not the channel axis`);
  };
  if ((className === 'DepthwiseConv2D' || className === 'SeparableConv2D') && (config.depthMultiplier ?? 1) !== 1) {
    // Output channel c·m + j of a multiplier-m depthwise conv follows input channel c; only m = 1 is mapped.
    throw unsupportedLayer(layer, `depthMultiplier=${String(config.depthMultiplier)}`);
  }
  if (className === 'BatchNormalization') lastAxis('axis');
  if (className === 'Concatenate') lastAxis('axis');
  if (className === 'Softmax') lastAxis('axis');
  // tfjs' Activation('softmax') and a producer's softmax activation normalise over the channel axis.
  if (role === 'passthrough' && config.activation === 'softmax') return 'mixing';
  return role;
}

/** A weight's role on each axis: `in` follows the layer's input channels, `out` its own output channels. */
export type AxisRule = Readonly<Record<number, 'in' | 'out'>>;

/**
 * Which axes of a weight (by short name, e.g. `kernel`) follow which channels. Kernels are
 * tfjs' layouts: Conv2D [kh, kw, in, out], depthwise [kh, kw, in, 1], pointwise [1, 1, in, out],
 * Dense [in, out].
 */
export function weightAxes(layer: TfLayer, short: string, shape: readonly number[]): AxisRule {
  const className = layer.getClassName();
  const rules: Record<string, Record<string, AxisRule>> = {
    Conv2D: { kernel: { 2: 'in', 3: 'out' }, bias: { 0: 'out' } },
    SeparableConv2D: { depthwise_kernel: { 2: 'in' }, pointwise_kernel: { 2: 'in', 3: 'out' }, bias: { 0: 'out' } },
    Dense: { kernel: { [shape.length - 2]: 'in', [shape.length - 1]: 'out' }, bias: { 0: 'out' } },
    DepthwiseConv2D: { depthwise_kernel: { 2: 'in' }, bias: { 0: 'in' } },
    BatchNormalization: { gamma: { 0: 'in' }, beta: { 0: 'in' }, moving_mean: { 0: 'in' }, moving_variance: { 0: 'in' } },
    // alpha is [..., C], or [..., 1] when shared over the channel axis (nothing to slice then).
    PReLU: { alpha: shape[shape.length - 1] === 1 ? {} : { [shape.length - 1]: 'in' } },
  };
  const rule = rules[className]?.[short];
  if (!rule) throw unsupportedLayer(layer, `weight ${short}`);
  return rule;
}

/** A weight's short name: `kernel` for `conv2d_1/kernel`. */
export function shortWeightName(w: { originalName?: string; name: string }): string {
  const n = w.originalName ?? w.name;
  return n.slice(n.lastIndexOf('/') + 1);
}
