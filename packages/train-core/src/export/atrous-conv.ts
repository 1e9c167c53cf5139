/**
 * train-core's `AtrousConv2D` (src/seg/atrous-conv.ts: a dilated convolution computed
 * through SpaceToBatchND so it trains on tfjs) as one ONNX Conv with `dilations`: its
 * config and weights are a `same`-padded Conv2D's, so the Conv2D converter writes it.
 */
import { emitConvLayer } from './conv';
import type { GraphBuilder, Value } from './graph-builder';
import { LayerInfo } from './layer-info';

/** Class name the exporter dispatches to {@link emitAtrousConv}. */
export const ATROUS_CONV_LAYER = 'AtrousConv2D';

/** An `AtrousConv2D` layer applied to `input` (pre-activation: the layer has none). */
export function emitAtrousConv(g: GraphBuilder, info: LayerInfo, input: Value, outShape: (number | null)[]): Value {
  // Same config keys and weight names as Conv2D; only the class name differs.
  const asConv = Object.assign(Object.create(LayerInfo.prototype) as LayerInfo, info, { className: 'Conv2D' });
  return emitConvLayer(g, asConv, input, outShape);
}
