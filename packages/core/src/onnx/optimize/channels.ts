import { type GraphView, plainConv } from './graph-view';

/** Ops that map each element on its own, so the channel count passes straight through. */
const UNARY_ELEMENTWISE = new Set(['Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'LeakyRelu', 'Tanh', 'Elu', 'Selu', 'Softplus', 'Abs', 'Neg']);

/** Binary elementwise ops a per-channel constant can be folded through. */
const AFFINE_OPS = new Set(['Mul', 'Add', 'Sub', 'Div']);

/**
 * Channel count of a 4-D NCHW tensor, when the graph proves it: the tensor comes from a
 * 2-D Conv/ConvTranspose through shape-preserving ops. Undefined when unsure, which makes
 * every pass that needs it leave the tensor alone.
 */
export function channelsOf(view: GraphView, tensor: string, depth = 0): number | undefined {
  const node = view.producer(tensor);
  if (node === undefined || node.domain !== '' || depth > 64) return undefined;
  const next = (t: string | undefined): number | undefined => (t === undefined ? undefined : channelsOf(view, t, depth + 1));
  if (node.opType === 'Conv' || node.opType === 'ConvTranspose') return plainConv(view, node)?.outChannels;
  if (UNARY_ELEMENTWISE.has(node.opType) || node.opType === 'BatchNormalization') return next(node.inputs[0]);
  if (AFFINE_OPS.has(node.opType) && node.inputs.length === 2) {
    const [a, b] = node.inputs as [string, string];
    const ca = view.floatConstant(a) === undefined ? next(a) : undefined;
    const cb = view.floatConstant(b) === undefined ? next(b) : undefined;
    // x op const: the constant must be per-channel for x's channel count (or a scalar).
    if (view.floatConstant(b) !== undefined) return ca !== undefined && view.perChannel(b, ca) !== undefined ? ca : undefined;
    if (view.floatConstant(a) !== undefined) return cb !== undefined && view.perChannel(a, cb) !== undefined ? cb : undefined;
    // x op y: both sides must agree (a [N,C,1,1] gate times [N,C,H,W] features, say).
    return ca !== undefined && ca === cb ? ca : undefined;
  }
  return undefined;
}
