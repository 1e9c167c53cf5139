/** Conv2D, DepthwiseConv2D and SeparableConv2D as ONNX Conv (NCHW), with an optional folded batch norm. */
import type { OnnxAttributeValue } from '@modelkit/core';
import type { Affine } from './batch-norm';
import type { GraphBuilder, Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { unsupported } from './unsupported';

/**
 * ONNX `pads` for tfjs padding on one spatial size. TF's SAME puts the odd pixel at the
 * end (SAME_UPPER); explicit pads are written when the size is known so dilated kernels
 * never depend on a runtime's auto_pad arithmetic.
 */
export function spatialPads(
  info: LayerInfo,
  inHW: [number | null, number | null],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): Record<string, OnnxAttributeValue> {
  const padding = info.string('padding', 'valid');
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') throw unsupported(info.className, info.name, `padding=${padding}`);
  const [h, w] = inHW;
  if (h === null || w === null) return { auto_pad: 'SAME_UPPER' };
  const total = (size: number, i: number): number => {
    const out = Math.ceil(size / strides[i]);
    return Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0);
  };
  const th = total(h, 0);
  const tw = total(w, 1);
  return { pads: [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)] };
}

/** tfjs [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
function convKernelToOnnx(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) w[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return w;
}

/** tfjs depthwise [kh, kw, in, mult] → ONNX grouped [in·mult, 1, kh, kw]; output channel c·mult + j as in TF. */
function depthwiseKernelToOnnx(k: Float32Array, [kh, kw, cin, mult]: number[]): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let j = 0; j < mult; j++) w[((c * mult + j) * kh + y) * kw + x] = k[((y * kw + x) * cin + c) * mult + j];
  return w;
}

/** Multiplies each output channel's filter by `fold.scale` and folds the shift into the bias. */
function applyFold(w: Float32Array, bias: Float32Array, fold: Affine | undefined): void {
  if (!fold) return;
  const cout = bias.length;
  const per = w.length / cout;
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < per; i++) w[o * per + i] *= fold.scale[o];
    bias[o] = bias[o] * fold.scale[o] + fold.shift[o];
  }
}

function emitConvNode(
  g: GraphBuilder,
  x: Value,
  w: Float32Array,
  wDims: number[],
  bias: Float32Array | null,
  group: number,
  attrs: { kernel: [number, number]; strides: [number, number]; dilations: [number, number]; pads: Record<string, OnnxAttributeValue> },
  base: string,
): string {
  const inputs = [x.name, g.floatConst(`${base}_W`, wDims, w)];
  if (bias) inputs.push(g.floatConst(`${base}_B`, [bias.length], bias));
  return g.node('Conv', inputs, base, {
    kernel_shape: attrs.kernel,
    strides: attrs.strides,
    dilations: attrs.dilations,
    group,
    ...attrs.pads,
  });
}

/**
 * A Conv2D / DepthwiseConv2D / SeparableConv2D layer applied to `input`. With `fold`,
 * a following batch norm is merged into the weights (the caller checked it is safe).
 * Returns the pre-activation value; the caller applies the layer's activation.
 */
export function emitConvLayer(g: GraphBuilder, info: LayerInfo, input: Value, outShape: (number | null)[], fold?: Affine): Value {
  info.requireChannelsLast();
  const x = g.asNchw(input);
  const kernel = info.pair('kernelSize');
  const strides = info.pair('strides', [1, 1]);
  const dilations = info.pair('dilationRate', [1, 1]);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw unsupported(info.className, info.name, 'strides > 1 together with dilationRate > 1');
  }
  const pads = spatialPads(info, [input.shape[1], input.shape[2]], kernel, strides, dilations);
  const attrs = { kernel, strides, dilations, pads };
  const useBias = info.bool('useBias', true);
  let y: string;
  if (info.className === 'Conv2D') {
    const k = info.requireWeight('kernel');
    const cout = k.shape[3];
    const w = convKernelToOnnx(k.data, k.shape);
    const bias = useBias ? info.requireWeight('bias').data : new Float32Array(cout);
    applyFold(w, bias, fold);
    y = emitConvNode(g, x, w, [cout, k.shape[2], k.shape[0], k.shape[1]], useBias || fold ? bias : null, 1, attrs, info.name);
  } else if (info.className === 'DepthwiseConv2D') {
    const k = info.requireWeight('depthwise_kernel');
    const [kh, kw, cin, mult] = k.shape;
    const w = depthwiseKernelToOnnx(k.data, k.shape);
    const bias = useBias ? info.requireWeight('bias').data : new Float32Array(cin * mult);
    applyFold(w, bias, fold);
    y = emitConvNode(g, x, w, [cin * mult, 1, kh, kw], useBias || fold ? bias : null, cin, attrs, info.name);
  } else if (info.className === 'SeparableConv2D') {
    const dk = info.requireWeight('depthwise_kernel');
    const pk = info.requireWeight('pointwise_kernel');
    const [kh, kw, cin, mult] = dk.shape;
    const cout = pk.shape[3];
    const dw = emitConvNode(g, x, depthwiseKernelToOnnx(dk.data, dk.shape), [cin * mult, 1, kh, kw], null, cin, attrs, `${info.name}_dw`);
    const w = convKernelToOnnx(pk.data, pk.shape);
    const bias = useBias ? info.requireWeight('bias').data : new Float32Array(cout);
    applyFold(w, bias, fold);
    const one: { kernel: [number, number]; strides: [number, number]; dilations: [number, number]; pads: Record<string, OnnxAttributeValue> } =
      { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: { pads: [0, 0, 0, 0] } };
    y = emitConvNode(g, { ...x, name: dw }, w, [cout, cin * mult, 1, 1], useBias || fold ? bias : null, 1, one, `${info.name}_pw`);
  } else {
    throw unsupported(info.className, info.name);
  }
  return { name: y, layout: 'nchw', shape: outShape };
}
