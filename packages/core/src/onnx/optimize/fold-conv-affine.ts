import type { OnnxNode } from '../types';
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
    let scale: Float64Array | undefined;
    let shift: Float64Array | undefined;
    const absorbed: OnnxNode[] = [];
    let out = conv.outputs[0]!;
    for (;;) {
      const next = view.soleConsumer(out);
      const step = next === undefined ? undefined : affineStep(view, next, out, cout);
      if (next === undefined || step === undefined) break;
      scale ??= new Float64Array(cout).fill(1);
      shift ??= new Float64Array(cout);
      for (let o = 0; o < cout; o++) {
        scale[o] = scale[o]! * step.mul[o]!;
        shift[o] = shift[o]! * step.mul[o]! + step.add[o]!;
      }
      absorbed.push(next);
      out = next.outputs[0]!;
    }
    if (absorbed.length === 0 || scale === undefined || shift === undefined) continue;
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

/**
 * `y = x * mul + add` per channel for one node reading `x`, when the node is such an op
 * with constant per-channel parameters; undefined otherwise.
 */
export function affineStep(view: GraphView, node: OnnxNode, x: string, channels: number): { mul: Float64Array; add: Float64Array } | undefined {
  if (node.domain !== '' || node.outputs.length !== 1) return undefined;
  const mul = new Float64Array(channels).fill(1);
  const add = new Float64Array(channels);
  if (node.opType === 'BatchNormalization') {
    if (node.inputs[0] !== x || node.inputs.length !== 5) return undefined;
    const [g, b, m, v] = node.inputs.slice(1).map((n) => view.floatConstant(n)?.data as Float32Array | undefined);
    if (g === undefined || b === undefined || m === undefined || v === undefined || [g, b, m, v].some((a) => a.length !== channels)) return undefined;
    const epsAttr = node.attributes.epsilon;
    const eps = typeof epsAttr === 'number' ? epsAttr : 1e-5;
    for (let c = 0; c < channels; c++) {
      mul[c] = g[c]! / Math.sqrt(v[c]! + Math.fround(eps));
      add[c] = b[c]! - m[c]! * mul[c]!;
    }
    return { mul, add };
  }
  if (node.inputs.length !== 2) return undefined;
  const first = node.inputs[0] === x;
  const other = first ? node.inputs[1] : node.inputs[0];
  if (!first && node.inputs[1] !== x) return undefined;
  const c = view.perChannel(other, channels);
  if (c === undefined) return undefined;
  switch (node.opType) {
    case 'Mul':
      for (let i = 0; i < channels; i++) mul[i] = c[i]!;
      return { mul, add };
    case 'Add':
      for (let i = 0; i < channels; i++) add[i] = c[i]!;
      return { mul, add };
    case 'Sub':
      // x - c, or c - x.
      for (let i = 0; i < channels; i++) {
        if (first) add[i] = -c[i]!;
        else {
          mul[i] = -1;
          add[i] = c[i]!;
        }
      }
      return { mul, add };
    case 'Div':
      if (!first || c.some((v) => v === 0)) return undefined;
      for (let i = 0; i < channels; i++) mul[i] = 1 / c[i]!;
      return { mul, add };
    default:
      return undefined;
  }
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
