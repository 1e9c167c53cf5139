import type { OnnxNode } from '../types';
import { affineStep, composeAffine } from './affine-step';
import type { GraphView } from './graph-view';
import { plainConv } from './graph-view';

/**
 * Folds per-output-channel affine ops that follow a Conv or ConvTranspose into its weights
 * and bias: `Conv -> Mul(c) / Div(c) / Add(c) / Sub(c) / BatchNormalization`, repeatedly. PP-LCNetV3
 * (PP-OCRv4) puts a "learnable affine block" (a scalar Mul and Add) after most convs;
 * onnxruntime does not fold the scalar form, and each op is a full pass over the feature
 * map. Same arithmetic up to float rounding (the constants are combined in float64).
 */
export function foldConvAffine(view: GraphView): number {
  let folded = 0;
  for (const conv of view.graph.nodes) {
    if (view.isRemoved(conv)) continue;
    const info = plainConv(view, conv);
    if (info === undefined) continue;
    const cout = info.outChannels;
    const absorbed: OnnxNode[] = [];
    let out = conv.outputs[0]!;
    for (;;) {
      const next = view.soleConsumer(out);
      if (next === undefined || affineStep(view, next, out, cout) === undefined) break;
      absorbed.push(next);
      out = next.outputs[0]!;
    }
    if (absorbed.length === 0) continue;
    const { scale, shift } = composeAffine(view, absorbed, conv.outputs[0]!, cout);
    const nw = scaleOutputChannels(conv.opType, info.weight.data as Float32Array, info.weight.dims, info.group, scale);
    const nb = new Float32Array(cout);
    for (let o = 0; o < cout; o++) nb[o] = (info.bias?.[o] ?? 0) * scale[o]! + shift[o]!;
    const hint = conv.name || conv.outputs[0]!;
    conv.inputs = [conv.inputs[0]!, view.addConstant(`${hint}/weight`, info.weight.dims.slice(), nw), view.addConstant(`${hint}/bias`, [cout], nb)];
    conv.outputs = [out];
    view.remove(...absorbed);
    folded += absorbed.length;
  }
  view.commit();
  return folded;
}

/** Weights with output channel `o` multiplied by `scale[o]`, for Conv or ConvTranspose layouts. */
function scaleOutputChannels(op: string, w: Float32Array, dims: number[], group: number, scale: Float64Array): Float32Array {
  const [d0, d1, kh, kw] = dims as [number, number, number, number];
  const taps = kh * kw;
  const out = new Float32Array(w.length);
  for (let a = 0; a < d0; a++) {
    for (let b = 0; b < d1; b++) {
      // Conv: [Cout, Cin/g]; ConvTranspose: [Cin, Cout/g] where input channel a is in group a / (Cin/g).
      const o = op === 'Conv' ? a : Math.floor(a / (d0 / group)) * d1 + b;
      const s = scale[o]!;
      const base = (a * d1 + b) * taps;
      for (let k = 0; k < taps; k++) out[base + k] = w[base + k]! * s;
    }
  }
  return out;
}
