import type { OnnxNode } from '../types';
import type { GraphView } from './graph-view';

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

/**
 * The per-channel `x * scale + shift` that a chain of affine ops computes, reading `x`
 * first (each node's data input is the previous node's output). Combined in float64.
 */
export function composeAffine(view: GraphView, chain: readonly OnnxNode[], x: string, channels: number): { scale: Float64Array; shift: Float64Array } {
  const scale = new Float64Array(channels).fill(1);
  const shift = new Float64Array(channels);
  let input = x;
  for (const node of chain) {
    const step = affineStep(view, node, input, channels)!;
    for (let c = 0; c < channels; c++) {
      scale[c] = scale[c]! * step.mul[c]!;
      shift[c] = shift[c]! * step.mul[c]! + step.add[c]!;
    }
    input = node.outputs[0]!;
  }
  return { scale, shift };
}
