/** Convolutions (plain, depthwise, fused, transposed) and pooling, emitted in NCHW. */
import { type ConstTensor, reshapeConst, transposeConst } from './const-tensor';
import { activation } from './ops-elementwise';
import { attrFloat, attrInts, attrString, attrStrings } from './tfjs-attrs';
import { type OpContext, type OpMapper, constInput, constNumbers, inputAt, unsupported } from './op-context';
import type { TfValue } from './tf-value';

interface Spatial {
  strides: [number, number];
  dilations: [number, number];
  padding: 'SAME' | 'VALID' | 'EXPLICIT';
  /** ONNX pads [top, left, bottom, right] for EXPLICIT padding. */
  explicit: [number, number, number, number];
}

function spatialAttrs(ctx: OpContext): Spatial {
  if (attrString(ctx.node, 'data_format', 'NHWC') !== 'NHWC') unsupported(ctx, 'only data_format NHWC is supported');
  const s = attrInts(ctx.node, 'strides', [1, 1, 1, 1]);
  const d = attrInts(ctx.node, 'dilations', [1, 1, 1, 1]);
  const padding = attrString(ctx.node, 'padding', 'VALID');
  if (padding !== 'SAME' && padding !== 'VALID' && padding !== 'EXPLICIT') unsupported(ctx, `padding ${padding}`);
  const e = attrInts(ctx.node, 'explicit_paddings', [0, 0, 0, 0, 0, 0, 0, 0]);
  return { strides: [s[1], s[2]], dilations: [d[1], d[2]], padding, explicit: [e[2], e[4], e[3], e[5]] };
}

function padAttrs(sp: Spatial): Record<string, string | number[]> {
  // TF SAME puts the odd pixel at the end, which is exactly ONNX SAME_UPPER.
  if (sp.padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
  return { pads: sp.padding === 'EXPLICIT' ? [...sp.explicit] : [0, 0, 0, 0] };
}

function outDim(inp: number | null, k: number, i: 0 | 1, sp: Spatial): number | null {
  if (inp === null) return null;
  const s = sp.strides[i];
  if (sp.padding === 'SAME') return Math.ceil(inp / s);
  const ke = (k - 1) * sp.dilations[i] + 1;
  const pad = sp.padding === 'EXPLICIT' ? sp.explicit[i] + sp.explicit[i + 2] : 0;
  return Math.floor((inp + pad - ke) / s) + 1;
}

/** ONNX weight [Cout, Cin/g, kh, kw] from TF [kh, kw, Cin/g, Cout], or from depthwise [kh, kw, C, M]. */
function convWeight(ctx: OpContext, filter: TfValue, depthwise: boolean): { name: string; shape: number[] } {
  const b = ctx.b;
  const hint = `${ctx.out()}/weight`;
  if (filter.constant) {
    const f = filter.constant;
    const [kh, kw, c, m] = f.shape;
    const w: ConstTensor = depthwise
      ? reshapeConst(transposeConst(reshapeConst(f, [kh, kw, c * m]), [2, 0, 1]), [c * m, 1, kh, kw])
      : transposeConst(f, [3, 2, 0, 1]);
    return { name: b.initializer(w, hint), shape: w.shape };
  }
  if (depthwise) unsupported(ctx, 'a depthwise filter must be a constant');
  const shape = filter.shape;
  if (shape.some((d) => d === null)) unsupported(ctx, 'a computed filter needs a static shape');
  const name = b.uniqueName(hint);
  b.addNode('Transpose', [b.logical(filter, hint)], [name], { perm: [3, 2, 0, 1] });
  const s = shape as number[];
  return { name, shape: [s[3], s[2], s[0], s[1]] };
}

function conv(ctx: OpContext, depthwise: boolean, fused: boolean): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const sp = spatialAttrs(ctx);
  const w = convWeight(ctx, inputAt(ctx, 1), depthwise);
  const [cout, cinPerGroup, kh, kw] = w.shape;
  const cin = x.shape[3];
  // Depthwise: one group per input channel (the filter is constant, convWeight checked).
  const group = depthwise ? (inputAt(ctx, 1).constant?.shape[2] ?? 1) : cin !== null ? cin / cinPerGroup : 1;
  const fusedOps = fused ? attrStrings(ctx.node, 'fused_ops') : [];
  let biasName: string | undefined;
  let extra = 2;
  if (fusedOps[0] === 'BiasAdd') {
    const bias = inputAt(ctx, extra++);
    biasName = b.input(bias, `${ctx.out()}/bias`);
  } else if (fusedOps.length > 0 && fusedOps[0] !== 'BiasAdd') {
    unsupported(ctx, `fused ops [${fusedOps.join(', ')}]`);
  }
  const actName = fusedOps[1];
  const convOut = actName ? b.uniqueName(`${ctx.out()}/conv`) : ctx.out();
  const inputs = [b.nchw(x, `${ctx.out()}/x`), w.name];
  if (biasName) inputs.push(biasName);
  b.addNode('Conv', inputs, [convOut], {
    kernel_shape: [kh, kw],
    strides: [...sp.strides],
    dilations: [...sp.dilations],
    group,
    ...padAttrs(sp),
  });
  let y: TfValue = {
    name: convOut,
    dtype: 'float32',
    shape: [x.shape[0], outDim(x.shape[1], kh, 0, sp), outDim(x.shape[2], kw, 1, sp), cout],
    nchw: true,
  };
  if (actName) {
    y = activation(b, actName, y, ctx.out(), {
      alpha: attrFloat(ctx.node, 'leakyrelu_alpha', 0.2),
      prelu: actName === 'Prelu' ? inputAt(ctx, extra) : undefined,
    });
  }
  return [y];
}

/** Conv2DBackpropInput(input_sizes, filter [kh, kw, Cout, Cin], x) → ConvTranspose with TF's SAME/VALID crop. */
function convTranspose(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const sizes = constNumbers(ctx, 0, 'output size');
  const filter = constInput(ctx, 1, 'filter');
  const x = inputAt(ctx, 2);
  const sp = spatialAttrs(ctx);
  const [kh, kw] = filter.shape;
  const pads = [0, 0, 0, 0];
  const outputPadding = [0, 0];
  for (const i of [0, 1] as const) {
    const size = sizes[1 + i];
    const s = sp.strides[i];
    const ke = ((i === 0 ? kh : kw) - 1) * sp.dilations[i] + 1;
    // The forward conv this is the gradient of: its input is `size`, its output `inp`.
    let total = 0;
    if (sp.padding === 'SAME') total = Math.max((Math.ceil(size / s) - 1) * s + ke - size, 0);
    else if (sp.padding === 'EXPLICIT') total = sp.explicit[i] + sp.explicit[i + 2];
    const before = sp.padding === 'EXPLICIT' ? sp.explicit[i] : Math.floor(total / 2);
    const inp = x.shape[1 + i] ?? Math.floor((size + total - ke) / s) + 1;
    pads[i] = before;
    pads[i + 2] = total - before;
    outputPadding[i] = size - ((inp - 1) * s + ke - total);
  }
  const w = b.initializer(transposeConst(filter, [3, 2, 0, 1]), `${ctx.out()}/weight`);
  b.addNode('ConvTranspose', [b.nchw(x, `${ctx.out()}/x`), w], [ctx.out()], {
    kernel_shape: [kh, kw],
    strides: [...sp.strides],
    dilations: [...sp.dilations],
    pads,
    output_padding: outputPadding,
  });
  return [{ name: ctx.out(), dtype: 'float32', shape: [x.shape[0], sizes[1], sizes[2], sizes[3]], nchw: true }];
}

function pool(opType: 'MaxPool' | 'AveragePool'): OpMapper {
  return (ctx) => {
    const x = inputAt(ctx, 0);
    const sp = spatialAttrs(ctx);
    const k = attrInts(ctx.node, 'ksize', [1, 1, 1, 1]);
    if (k[0] !== 1 || k[3] !== 1) unsupported(ctx, 'pooling over batch or channels');
    // count_include_pad stays 0: TF averages over the valid pixels only.
    ctx.b.addNode(opType, [ctx.b.nchw(x, `${ctx.out()}/x`)], [ctx.out()], {
      kernel_shape: [k[1], k[2]],
      strides: [...sp.strides],
      ...padAttrs(sp),
    });
    const noDilation = { ...sp, dilations: [1, 1] as [number, number] };
    return [{ name: ctx.out(), dtype: 'float32', shape: [x.shape[0], outDim(x.shape[1], k[1], 0, noDilation), outDim(x.shape[2], k[2], 1, noDilation), x.shape[3]], nchw: true }];
  };
}

/** Mappers of this file, by TF op name. */
export const convOps: Record<string, OpMapper> = {
  Conv2D: (ctx) => conv(ctx, false, false),
  DepthwiseConv2dNative: (ctx) => conv(ctx, true, false),
  DepthwiseConv2D: (ctx) => conv(ctx, true, false),
  _FusedConv2D: (ctx) => conv(ctx, false, true),
  FusedDepthwiseConv2dNative: (ctx) => conv(ctx, true, true),
  Conv2DBackpropInput: convTranspose,
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
};
