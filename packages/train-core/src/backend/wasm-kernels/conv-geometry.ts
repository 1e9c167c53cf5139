import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';

/**
 * The geometry of a 2D convolution as the gradient kernels need it: tfjs' own
 * `computeConv2DInfo`, so our kernels agree with every forward kernel on padding and
 * rounding, plus the bottom/right padding that the gradient needs (which can differ from
 * the forward's when the last input rows are never read).
 * @internal
 */
export interface ConvGeometry {
  info: tf.backend_util.Conv2DInfo;
  /** Padding (or, if negative, cropping) that makes the input exactly cover every tap. */
  padBottom: number;
  padRight: number;
}

/** @internal */
export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
  dataFormat: string | undefined,
): ConvGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    // The wasm backend's forward convolutions are NHWC only; so are our gradients.
    throw new InvalidArgumentError(`train-core wasm gradient kernels support NHWC only, got ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
  );
  const span = (out: number, stride: number, eff: number): number => (out - 1) * stride + eff;
  return {
    info,
    padBottom: span(info.outHeight, info.strideHeight, info.effectiveFilterHeight) - info.inHeight - info.padInfo.top,
    padRight: span(info.outWidth, info.strideWidth, info.effectiveFilterWidth) - info.inWidth - info.padInfo.left,
  };
}
