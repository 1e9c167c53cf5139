import { makeNode } from '../builders';
import type { OnnxNode } from '../types';
import { channelsOf } from './channels';
import { affineStep, composeAffine } from './affine-step';
import type { GraphView } from './graph-view';

/**
 * Turns a run of two or more per-channel affine ops (`x * s + b`, PP-LCNetV3's learnable
 * affine block after an activation) into one depthwise 1x1 Conv. onnxruntime's NCHWc
 * layout (AVX2/AVX-512) does not cover Mul/Add with a constant, so each such pair costs
 * two passes plus a reorder out of and back into the blocked layout; a Conv stays blocked
 * and is one pass. Runs after the folds, so only affine ops nothing else could absorb are left.
 */
export function affineToDepthwiseConv(view: GraphView): number {
  let converted = 0;
  for (const start of view.graph.nodes) {
    if (view.isRemoved(start)) continue;
    const x = start.inputs.find((i) => view.floatConstant(i) === undefined);
    if (x === undefined) continue;
    // Nodes are in topological order, so a run is met at its head first and its other
    // nodes are removed before the loop reaches them.
    const channels = channelsOf(view, x);
    if (channels === undefined || affineStep(view, start, x, channels) === undefined) continue;
    const chain: OnnxNode[] = [start];
    let out = start.outputs[0]!;
    for (;;) {
      const next = view.soleConsumer(out);
      if (next === undefined || affineStep(view, next, out, channels) === undefined) break;
      chain.push(next);
      out = next.outputs[0]!;
    }
    if (chain.length < 2) continue;
    const { scale, shift } = composeAffine(view, chain, x, channels);
    const hint = start.name || x;
    const w = view.addConstant(`${hint}/dw_weight`, [channels, 1, 1, 1], Float32Array.from(scale));
    const bias = view.addConstant(`${hint}/dw_bias`, [channels], Float32Array.from(shift));
    const conv = makeNode('Conv', [x, w, bias], [out], { group: channels, kernel_shape: [1, 1] }, view.freshName(`${hint}/affine`));
    view.insertBefore(start, conv);
    view.remove(...chain);
    converted += chain.length;
  }
  view.commit();
  return converted;
}
