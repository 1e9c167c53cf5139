/** Elementwise ops, activations, BiasAdd, Cast, Identity, Softmax, batch norm. */
import { ErrorCodes, ModelError } from '../errors';
import { broadcastShapes, makeConst, reshapeConst } from './const-tensor';
import type { GraphBuilder } from './graph-builder';
import { ONNX_TYPE_NUMBER } from './graph-builder';
import { attrDtype, attrFloat, attrString } from './tfjs-attrs';
import { type OpContext, type OpMapper, constInput, inputAt, unsupported } from './op-context';
import { constValue, type TfValue } from './tf-value';

/**
 * Applies an n-ary elementwise ONNX op. Runs in NCHW when some computed input is already
 * NCHW and all inputs can follow (constants are transposed at conversion time), so the
 * conv → bias → activation chains of NHWC graphs never leave NCHW.
 */
export function elementwise(b: GraphBuilder, opType: string, inputs: readonly TfValue[], out: string, attrs: Record<string, number> = {}, floats: string[] = []): TfValue {
  let shape: (number | null)[] | null = inputs[0].shape;
  for (const v of inputs.slice(1)) shape = shape && broadcastShapes(shape, v.shape);
  if (!shape) {
    throw new ModelError(ErrorCodes.MODEL_INVALID, `${opType} "${out}": input shapes ${inputs.map((v) => `[${v.shape}]`).join(' ')} do not broadcast`);
  }
  const useNchw =
    shape.length === 4 &&
    inputs.some((v) => !v.constant && v.nchw) &&
    inputs.every((v) => (v.constant ? v.shape.length <= 4 : v.shape.length === 4));
  const names = inputs.map((v, i) => (useNchw ? b.nchw(v, `${out}/in${i}`) : b.logical(v, `${out}/in${i}`)));
  b.addNode(opType, names, [out], attrs, floats);
  return { name: out, dtype: inputs[0].dtype, shape, nchw: useNchw };
}

/** Applies a unary ONNX op in the input's own layout. */
function unary(b: GraphBuilder, opType: string, x: TfValue, out: string, attrs: Record<string, number> = {}, floats: string[] = []): TfValue {
  b.addNode(opType, [b.input(x, `${out}/x`)], [out], attrs, floats);
  return { ...x, name: out, constant: undefined };
}

/** TF activation names (as in `fused_ops` and op names) → ONNX. */
export function activation(b: GraphBuilder, act: string, x: TfValue, out: string, o: { alpha?: number; prelu?: TfValue } = {}): TfValue {
  switch (act) {
    case 'Relu':
      return unary(b, 'Relu', x, out);
    case 'Relu6': {
      const lo = b.constant(`${out}/min`, 'float32', [], [0]);
      const hi = b.constant(`${out}/max`, 'float32', [], [6]);
      b.addNode('Clip', [b.input(x, `${out}/x`), lo, hi], [out]);
      return { ...x, name: out, constant: undefined };
    }
    case 'Elu':
      return unary(b, 'Elu', x, out, { alpha: 1 }, ['alpha']);
    case 'Selu':
      return unary(b, 'Selu', x, out);
    case 'Sigmoid':
      return unary(b, 'Sigmoid', x, out);
    case 'Tanh':
      return unary(b, 'Tanh', x, out);
    case 'LeakyRelu':
      return unary(b, 'LeakyRelu', x, out, { alpha: o.alpha ?? 0.2 }, ['alpha']);
    case 'Prelu':
      if (!o.prelu) throw new ModelError(ErrorCodes.MODEL_INVALID, `Prelu "${out}" has no alpha input`);
      return elementwise(b, 'PRelu', [x, o.prelu], out);
    default:
      throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `activation ${act} of "${out}" has no ONNX mapping`, { details: { op: act, node: out } });
  }
}

const binary = (opType: string): OpMapper => (ctx) => [elementwise(ctx.b, opType, [inputAt(ctx, 0), inputAt(ctx, 1)], ctx.out())];
const simpleUnary = (opType: string): OpMapper => (ctx) => [unary(ctx.b, opType, inputAt(ctx, 0), ctx.out())];
const act = (name: string): OpMapper => (ctx) => [activation(ctx.b, name, inputAt(ctx, 0), ctx.out(), { alpha: attrFloat(ctx.node, 'alpha', 0.2) })];

function biasAdd(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  let bias = inputAt(ctx, 1);
  if (attrString(ctx.node, 'data_format', 'NHWC') === 'NCHW' && x.shape.length > 2) {
    // Bias runs along axis 1: give it trailing 1s so numpy broadcasting lines it up.
    const c = constInput(ctx, 1, 'bias of an NCHW BiasAdd');
    bias = constValue(reshapeConst(c, [c.data.length, ...new Array<number>(x.shape.length - 2).fill(1)]));
  }
  return [elementwise(ctx.b, 'Add', [x, bias], ctx.out())];
}

function rsqrt(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  const s = unary(ctx.b, 'Sqrt', x, ctx.b.uniqueName(`${ctx.out()}/sqrt`));
  return [unary(ctx.b, 'Reciprocal', s, ctx.out())];
}

function square(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  return [elementwise(ctx.b, 'Mul', [x, x], ctx.out())];
}

function squaredDifference(ctx: OpContext): TfValue[] {
  const d = elementwise(ctx.b, 'Sub', [inputAt(ctx, 0), inputAt(ctx, 1)], ctx.b.uniqueName(`${ctx.out()}/diff`));
  return [elementwise(ctx.b, 'Mul', [d, d], ctx.out())];
}

function cast(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  const to = attrDtype(ctx.node, 'DstT', 'float32');
  ctx.b.addNode('Cast', [ctx.b.input(x, `${ctx.out()}/x`)], [ctx.out()], { to: ONNX_TYPE_NUMBER[to] });
  return [{ ...x, name: ctx.out(), dtype: to, constant: undefined }];
}

function softmax(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  // TF softmax is over the last axis; in NCHW that axis sits at position 1.
  const axis = x.nchw ? 1 : -1;
  const name = ctx.node.op === 'LogSoftmax' ? 'LogSoftmax' : 'Softmax';
  ctx.b.addNode(name, [ctx.b.input(x, `${ctx.out()}/x`)], [ctx.out()], { axis });
  return [{ ...x, name: ctx.out(), constant: undefined }];
}

/** Inference batch norm folded to one Mul and one Add on the channel axis. */
function fusedBatchNorm(ctx: OpContext): TfValue[] {
  if (attrString(ctx.node, 'data_format', 'NHWC') !== 'NHWC') unsupported(ctx, 'only NHWC batch norm is supported');
  const scale = constInput(ctx, 1, 'scale');
  const offset = constInput(ctx, 2, 'offset');
  const mean = constInput(ctx, 3, 'mean');
  const variance = constInput(ctx, 4, 'variance');
  const eps = attrFloat(ctx.node, 'epsilon', 0.001);
  const n = scale.data.length;
  const mul = new Float32Array(n);
  const add = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    mul[i] = scale.data[i] / Math.sqrt(variance.data[i] + eps);
    add[i] = offset.data[i] - mean.data[i] * mul[i];
  }
  const scaled = elementwise(ctx.b, 'Mul', [inputAt(ctx, 0), constValue(makeConst('float32', [n], mul))], ctx.b.uniqueName(`${ctx.out()}/scale`));
  return [elementwise(ctx.b, 'Add', [scaled, constValue(makeConst('float32', [n], add))], ctx.out())];
}

/** Identity-like ops produce their input unchanged: no ONNX node at all. */
const identity: OpMapper = (ctx) => [inputAt(ctx, 0)];

/** Mappers of this file, by TF op name. */
export const elementwiseOps: Record<string, OpMapper> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  SquaredDifference: squaredDifference,
  AddN: (ctx) => [elementwise(ctx.b, 'Sum', ctx.inputs, ctx.out())],
  BiasAdd: biasAdd,
  Relu: act('Relu'),
  Relu6: act('Relu6'),
  Elu: act('Elu'),
  Selu: act('Selu'),
  Sigmoid: act('Sigmoid'),
  Tanh: act('Tanh'),
  LeakyRelu: act('LeakyRelu'),
  Prelu: (ctx) => [activation(ctx.b, 'Prelu', inputAt(ctx, 0), ctx.out(), { prelu: inputAt(ctx, 1) })],
  Exp: simpleUnary('Exp'),
  Log: simpleUnary('Log'),
  Sqrt: simpleUnary('Sqrt'),
  Rsqrt: rsqrt,
  Square: square,
  Neg: simpleUnary('Neg'),
  Abs: simpleUnary('Abs'),
  Floor: simpleUnary('Floor'),
  Ceil: simpleUnary('Ceil'),
  Round: simpleUnary('Round'),
  Sign: simpleUnary('Sign'),
  Reciprocal: simpleUnary('Reciprocal'),
  Softplus: simpleUnary('Softplus'),
  Sin: simpleUnary('Sin'),
  Cos: simpleUnary('Cos'),
  Erf: simpleUnary('Erf'),
  Cast: cast,
  Softmax: softmax,
  LogSoftmax: softmax,
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  Identity: identity,
  StopGradient: identity,
  Snapshot: identity,
};
