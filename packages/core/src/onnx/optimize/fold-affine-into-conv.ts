import type { OnnxNode } from '../types';
import { channelsOf } from './channels';
import { affineStep, composeAffine } from './affine-step';
import type { GraphView } from './graph-view';
import { intsAttr, plainConv } from './graph-view';

/**
 * Folds per-channel affine ops that FEED a Conv without padding into the Conv:
 * `Conv(s * x + b) = Conv'(x)` with `W' = W * s` (per input channel) and
 * `bias' = bias + sum(W * b)`. Exact algebra only when the Conv pads nothing (padding
 * would insert zeros where the affine input had `b`), so padded Convs are skipped.
 */
export function foldAffineIntoConv(view: GraphView): number {
  let folded = 0;
  for (const conv of view.graph.nodes) {
    if (view.isRemoved(conv)) continue;
    const info = plainConv(view, conv);
    if (info === undefined || conv.opType !== 'Conv' || intsAttr(conv, 'pads', [0, 0, 0, 0]).some((p) => p !== 0)) continue;
    const [cout, cinPerGroup, kh, kw] = info.weight.dims as [number, number, number, number];
    const cin = cinPerGroup * info.group;
    // Walk up: Add/Sub, Mul/Div ... whose only reader is the next one, ending at the Conv.
    const chain: OnnxNode[] = [];
    let tensor = conv.inputs[0]!;
    for (;;) {
      const node = view.producer(tensor);
      if (node === undefined || view.soleConsumer(tensor) !== (chain[0] ?? conv)) break;
      const x = node.inputs.find((i) => view.floatConstant(i) === undefined);
      if (x === undefined || affineStep(view, node, x, cin) === undefined) break;
      chain.unshift(node);
      tensor = x;
    }
    if (chain.length === 0 || channelsOf(view, tensor) !== cin) continue;
    const { scale, shift } = composeAffine(view, chain, tensor, cin);
    const w = info.weight.data as Float32Array;
    const taps = kh * kw;
    const outPerGroup = cout / info.group;
    const nw = new Float32Array(w.length);
    const nb = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / outPerGroup);
      let extra = 0;
      for (let i = 0; i < cinPerGroup; i++) {
        const c = g * cinPerGroup + i;
        for (let k = 0; k < taps; k++) {
          const at = (o * cinPerGroup + i) * taps + k;
          nw[at] = w[at]! * scale[c]!;
          extra += w[at]! * shift[c]!;
        }
      }
      nb[o] = (info.bias?.[o] ?? 0) + extra;
    }
    const hint = conv.name || conv.outputs[0]!;
    conv.inputs = [tensor, view.addConstant(`${hint}/weight`, info.weight.dims.slice(), nw), view.addConstant(`${hint}/bias`, [cout], nb)];
    view.remove(...chain);
    folded += chain.length;
  }
  view.commit();
  return folded;
}
