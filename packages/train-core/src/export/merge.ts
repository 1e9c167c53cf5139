/** Merge layers: Add, Multiply, Average, Maximum, Minimum, Concatenate. */
import { GraphBuilder, type Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { unsupported } from './unsupported';

const VARIADIC: Record<string, string> = { Add: 'Sum', Average: 'Mean', Maximum: 'Max', Minimum: 'Min' };

/** A merge layer over `inputs`; all inputs are brought to one layout first. */
export function emitMerge(g: GraphBuilder, info: LayerInfo, inputs: Value[], outShape: (number | null)[]): Value {
  const rank = outShape.length;
  // Rank-4 merges stay in NCHW so a residual block costs no Transpose.
  const layout = rank === 4 ? 'nchw' : 'tf';
  if (inputs.some((v) => v.shape.length !== rank)) throw unsupported(info.className, info.name, 'inputs of different ranks');
  const xs = inputs.map((v) => g.asLayout(v, layout).name);
  let y: string;
  if (info.className === 'Concatenate') {
    const axis = GraphBuilder.onnxAxis(info.number('axis', -1), rank, layout);
    y = g.node('Concat', xs, info.name, { axis });
  } else if (info.className === 'Multiply') {
    y = xs[0];
    for (let i = 1; i < xs.length; i++) y = g.node('Mul', [y, xs[i]], i === xs.length - 1 ? info.name : `${info.name}_${i}`);
  } else if (VARIADIC[info.className]) {
    y = g.node(VARIADIC[info.className], xs, info.name);
  } else {
    throw unsupported(info.className, info.name);
  }
  return { name: y, layout, shape: outShape };
}
