/** Matrix products and reductions. */
import { transposeConst } from './const-tensor';
import { activation, elementwise } from './ops-elementwise';
import { attrBool, attrFloat, attrStrings } from './tfjs-attrs';
import { type OpContext, type OpMapper, constNumbers, inputAt, unsupported } from './op-context';
import { TO_NCHW, constValue, normAxis, type TfValue } from './tf-value';

/** `x` with its last two axes swapped (constants are swapped here, not in the graph). */
function swapLast(ctx: OpContext, v: TfValue, hint: string): TfValue {
  const rank = v.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
  const shape = perm.map((p) => v.shape[p]);
  if (v.constant) return constValue(transposeConst(v.constant, perm));
  const name = ctx.b.uniqueName(hint);
  ctx.b.addNode('Transpose', [ctx.b.logical(v, hint)], [name], { perm });
  return { name, dtype: v.dtype, shape, nchw: false };
}

function matMul(ctx: OpContext, fused: boolean): TfValue[] {
  const b = ctx.b;
  const adjA = attrBool(ctx.node, 'transpose_a', false) || attrBool(ctx.node, 'adj_x', false);
  const adjB = attrBool(ctx.node, 'transpose_b', false) || attrBool(ctx.node, 'adj_y', false);
  let a = inputAt(ctx, 0);
  let bb = inputAt(ctx, 1);
  if (adjA) a = swapLast(ctx, a, `${ctx.out()}/a_t`);
  if (adjB) bb = swapLast(ctx, bb, `${ctx.out()}/b_t`);
  const fusedOps = fused ? attrStrings(ctx.node, 'fused_ops') : [];
  if (fusedOps.length > 0 && fusedOps[0] !== 'BiasAdd') unsupported(ctx, `fused ops [${fusedOps.join(', ')}]`);
  const last = fusedOps.length === 0;
  const mmOut = last ? ctx.out() : b.uniqueName(`${ctx.out()}/matmul`);
  b.addNode('MatMul', [b.logical(a, `${ctx.out()}/a`), b.logical(bb, `${ctx.out()}/b`)], [mmOut]);
  const rank = Math.max(a.shape.length, bb.shape.length);
  const batch = (a.shape.length >= bb.shape.length ? a : bb).shape.slice(0, rank - 2);
  let y: TfValue = { name: mmOut, dtype: a.dtype, shape: [...batch, a.shape[a.shape.length - 2], bb.shape[bb.shape.length - 1]], nchw: false };
  if (fusedOps[0] === 'BiasAdd') {
    const act = fusedOps[1];
    y = elementwise(b, 'Add', [y, inputAt(ctx, 2)], act ? b.uniqueName(`${ctx.out()}/bias`) : ctx.out());
    if (act) {
      y = activation(b, act, y, ctx.out(), {
        alpha: attrFloat(ctx.node, 'leakyrelu_alpha', 0.2),
        prelu: act === 'Prelu' ? inputAt(ctx, 3) : undefined,
      });
    }
  }
  return [y];
}

/** TF reductions with `keep_dims`; in NCHW they reduce the mapped axes when the result's layout stays unambiguous. */
function reduce(opType: string): OpMapper {
  return (ctx) => {
    const b = ctx.b;
    const x = inputAt(ctx, 0);
    const rank = x.shape.length;
    const axes = [...new Set(constNumbers(ctx, 1, 'axes').map((a) => normAxis(a, rank)))].sort((p, q) => p - q);
    const keep = attrBool(ctx.node, 'keep_dims', false);
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    // Without keep_dims an NCHW result is already in TF order only if the kept axes stay sorted.
    const keptPhysical = TO_NCHW.filter((a) => !axes.includes(a));
    const stayNchw = x.nchw && (keep || keptPhysical.every((a, i) => i === 0 || keptPhysical[i - 1] < a));
    const src = stayNchw ? x.name : b.logical(x, `${ctx.out()}/x`);
    const physAxes = stayNchw ? axes.map((a) => TO_NCHW.indexOf(a as 0)) : axes;
    b.addNode(opType, [src, b.int64(`${ctx.out()}/axes`, physAxes)], [ctx.out()], { keepdims: keep ? 1 : 0 });
    return [{ name: ctx.out(), dtype: x.dtype, shape, nchw: stayNchw && keep }];
  };
}

/** Mappers of this file, by TF op name. */
export const mathOps: Record<string, OpMapper> = {
  MatMul: (ctx) => matMul(ctx, false),
  BatchMatMul: (ctx) => matMul(ctx, false),
  BatchMatMulV2: (ctx) => matMul(ctx, false),
  _FusedMatMul: (ctx) => matMul(ctx, true),
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
};
