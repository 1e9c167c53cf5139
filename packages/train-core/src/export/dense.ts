/** Dense: Gemm for rank-2 inputs, MatMul + Add on the last axis otherwise (tfjs semantics). */
import type { Affine } from './batch-norm';
import type { GraphBuilder, Value } from './graph-builder';
import type { LayerInfo } from './layer-info';

/** A Dense layer before its activation; `fold` merges a following batch norm into it. */
export function emitDense(g: GraphBuilder, info: LayerInfo, input: Value, outShape: (number | null)[], fold?: Affine): Value {
  // Dense multiplies along tfjs' last axis, so element order must be tfjs'.
  const x = g.asTf(input);
  const k = info.requireWeight('kernel');
  const [cin, cout] = k.shape;
  const w = k.data;
  const useBias = info.bool('useBias', true);
  const bias = useBias ? info.requireWeight('bias').data : new Float32Array(cout);
  if (fold) {
    for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) w[i * cout + o] *= fold.scale[o];
    for (let o = 0; o < cout; o++) bias[o] = bias[o] * fold.scale[o] + fold.shift[o];
  }
  const wName = g.floatConst(`${info.name}_W`, [cin, cout], w);
  const withBias = useBias || fold !== undefined;
  let y: string;
  if (x.shape.length === 2 && withBias) {
    y = g.node('Gemm', [x.name, wName, g.floatConst(`${info.name}_B`, [cout], bias)], info.name);
  } else {
    y = g.node('MatMul', [x.name, wName], withBias ? `${info.name}_mm` : info.name);
    if (withBias) y = g.node('Add', [y, g.floatConst(`${info.name}_B`, [cout], bias)], info.name);
  }
  return { name: y, layout: 'tf', shape: outShape };
}
