import { makeNode } from '../builders';
import type { OnnxNode } from '../types';
import type { GraphView } from './graph-view';

const SIXTH = 1 / 6;

/**
 * Rewrites hard-swish exported as primitives, `x * Clip(x + 3, 0, 6) / 6` (paddle2onnx's
 * form; also with `* (1/6)` or the division before the product), as
 * `Mul(x, HardSigmoid(x, alpha=1/6, beta=0.5))`: two ops instead of four, and onnxruntime
 * fuses that pair into the preceding Conv as one activation. HardSigmoid exists since
 * opset 1, so the model's opset does not change. `clip(x+3, 0, 6)/6 = clip(x/6 + 0.5, 0, 1)`;
 * only float rounding differs.
 */
export function fuseHardSwish(view: GraphView): number {
  let fused = 0;
  for (const add of view.graph.nodes) {
    if (view.isRemoved(add) || add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2) continue;
    const x = view.scalar(add.inputs[1]) === 3 ? add.inputs[0]! : view.scalar(add.inputs[0]) === 3 ? add.inputs[1]! : undefined;
    if (x === undefined || view.floatConstant(x) !== undefined) continue;
    const clip = view.soleConsumer(add.outputs[0]!);
    if (clip === undefined || !isClip(view, clip, 0, 6)) continue;
    const chain = tail(view, clip, x);
    if (chain === undefined) continue;
    const gate = view.freshName(`${x}/hard_sigmoid`);
    const out = chain.at(-1)!.outputs[0]!;
    const hs = makeNode('HardSigmoid', [x], [gate], { alpha: SIXTH, beta: 0.5 }, view.freshName(`${x}/HardSigmoid`), { attributeTypes: { alpha: 'float', beta: 'float' } });
    const mul = makeNode('Mul', [x, gate], [out], {}, view.freshName(`${x}/HardSwish`));
    view.insertBefore(add, hs, mul);
    view.remove(add, clip, ...chain);
    fused++;
  }
  view.commit();
  return fused;
}

function isClip(view: GraphView, node: OnnxNode, lo: number, hi: number): boolean {
  if (node.opType !== 'Clip' || node.domain !== '') return false;
  // Clip-6 has min/max attributes; Clip-11+ has them as inputs 1 and 2.
  const min = node.inputs.length > 1 ? view.scalar(node.inputs[1]) : node.attributes.min;
  const max = node.inputs.length > 2 ? view.scalar(node.inputs[2]) : node.attributes.max;
  return min === lo && max === hi;
}

function isSixth(view: GraphView, node: OnnxNode, input: string): boolean {
  if (node.domain !== '' || node.inputs.length !== 2) return false;
  if (node.opType === 'Div') return node.inputs[0] === input && view.scalar(node.inputs[1]) === 6;
  if (node.opType !== 'Mul') return false;
  const other = node.inputs[0] === input ? node.inputs[1] : node.inputs[0];
  const v = view.scalar(other);
  return v !== undefined && Math.abs(v - SIXTH) < 1e-7;
}

/** After the Clip: `Mul(x, ·)` then `/6`, or `/6` then `Mul(x, ·)`. The nodes, in order. */
function tail(view: GraphView, clip: OnnxNode, x: string): OnnxNode[] | undefined {
  const c = clip.outputs[0]!;
  const first = view.soleConsumer(c);
  if (first === undefined) return undefined;
  const isMulByX = (n: OnnxNode, input: string): boolean =>
    n.opType === 'Mul' && n.domain === '' && n.inputs.length === 2 && n.inputs.includes(x) && n.inputs.includes(input) && x !== input;
  let second: OnnxNode | undefined;
  if (isMulByX(first, c)) {
    second = view.soleConsumer(first.outputs[0]!);
    return second !== undefined && isSixth(view, second, first.outputs[0]!) ? [first, second] : undefined;
  }
  if (isSixth(view, first, c)) {
    second = view.soleConsumer(first.outputs[0]!);
    return second !== undefined && isMulByX(second, first.outputs[0]!) ? [first, second] : undefined;
  }
  return undefined;
}
