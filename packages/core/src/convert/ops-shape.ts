/** Shape and data-movement ops: Reshape, Transpose, Squeeze/ExpandDims, slicing, concat, split, pad, resize. */
import { attrBool, attrInt, attrInts, attrString } from './tfjs-attrs';
import { type OpContext, type OpMapper, constInput, constNumbers, inputAt, unsupported } from './op-context';
import { TO_NCHW, TO_NHWC, normAxis, physicalAxis, type TfValue } from './tf-value';

type Dim = number | null;

/** int64 bounds for Slice: ±Infinity here, INT64_MAX/MIN in the file. */
function toInt64(v: number): number | bigint {
  if (v === Number.POSITIVE_INFINITY) return 9223372036854775807n;
  if (v === Number.NEGATIVE_INFINITY) return -9223372036854775808n;
  return v;
}

function reshape(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const shapeIn = inputAt(ctx, 1);
  const xName = b.logical(x, `${ctx.out()}/x`);
  if (!shapeIn.constant) {
    const rank = shapeIn.shape[0];
    if (rank === null) unsupported(ctx, 'the rank of a computed target shape must be known');
    b.addNode('Reshape', [xName, b.input(shapeIn, `${ctx.out()}/shape`, 'int64')], [ctx.out()]);
    return [{ name: ctx.out(), dtype: x.dtype, shape: new Array<Dim>(rank).fill(null), nchw: false }];
  }
  const target = Array.from(shapeIn.constant.data);
  const known = x.shape.every((d) => d !== null) ? (x.shape as number[]).reduce((a, d) => a * d, 1) : null;
  const rest = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const shape: Dim[] = target.map((d) => (d === -1 ? (known !== null && rest > 0 ? known / rest : null) : d));
  b.addNode('Reshape', [xName, b.int64(`${ctx.out()}/shape`, target)], [ctx.out()]);
  return [{ name: ctx.out(), dtype: x.dtype, shape, nchw: false }];
}

function transpose(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const perm = constNumbers(ctx, 1, 'permutation').map((p) => normAxis(p, x.shape.length));
  const shape = perm.map((p) => x.shape[p]);
  // Compose with the value's own layout: the ONNX tensor is logical ∘ (x.nchw ? TO_NCHW : id).
  const composed = perm.map((p) => (x.nchw ? TO_NHWC[p] : p));
  const isIdentity = composed.every((p, i) => p === i);
  if (isIdentity) return [{ ...x, name: b.input(x, ctx.out()), shape, nchw: false }];
  if (shape.length === 4 && composed.every((p, i) => p === TO_NHWC[i])) {
    // The output, seen as NCHW, is exactly the ONNX tensor we already have: no node needed.
    return [{ ...x, name: b.input(x, ctx.out()), shape, nchw: true }];
  }
  b.addNode('Transpose', [b.input(x, `${ctx.out()}/x`)], [ctx.out()], { perm: composed });
  return [{ name: ctx.out(), dtype: x.dtype, shape, nchw: false }];
}

function squeeze(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const rank = x.shape.length;
  let axes = attrInts(ctx.node, 'squeeze_dims', attrInts(ctx.node, 'axis', [])).map((a) => normAxis(a, rank));
  if (axes.length === 0) {
    if (x.shape.some((d) => d === null)) unsupported(ctx, 'squeezing all size-1 dims needs a static input shape');
    axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  }
  b.addNode('Squeeze', [b.logical(x, `${ctx.out()}/x`), b.int64(`${ctx.out()}/axes`, axes)], [ctx.out()]);
  return [{ name: ctx.out(), dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)), nchw: false }];
}

function expandDims(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const axis = normAxis(constNumbers(ctx, 1, 'axis')[0], x.shape.length + 1);
  b.addNode('Unsqueeze', [b.logical(x, `${ctx.out()}/x`), b.int64(`${ctx.out()}/axes`, [axis])], [ctx.out()]);
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  return [{ name: ctx.out(), dtype: x.dtype, shape, nchw: false }];
}

function sliceLength(d: Dim, start: number, end: number, step: number): Dim {
  if (d === null) return null;
  const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
  if (step > 0) return Math.max(0, Math.ceil((norm(end, 0, d) - norm(start, 0, d)) / step));
  return Math.max(0, Math.ceil((norm(start, -1, d - 1) - norm(end, -1, d - 1)) / -step));
}

/** Emits ONNX Slice (+ Squeeze for shrunk axes) over the TF layout of `x`. */
function emitSlice(ctx: OpContext, x: TfValue, axes: number[], starts: number[], ends: number[], steps: number[], shrink: number[]): TfValue[] {
  const b = ctx.b;
  const shape = [...x.shape];
  axes.forEach((a, i) => (shape[a] = sliceLength(x.shape[a], starts[i], ends[i], steps[i])));
  const sliced = shrink.length > 0 ? b.uniqueName(`${ctx.out()}/slice`) : ctx.out();
  b.addNode('Slice', [
    b.logical(x, `${ctx.out()}/x`),
    b.int64(`${ctx.out()}/starts`, starts.map(toInt64)),
    b.int64(`${ctx.out()}/ends`, ends.map(toInt64)),
    b.int64(`${ctx.out()}/axes`, axes),
    b.int64(`${ctx.out()}/steps`, steps),
  ], [sliced]);
  if (shrink.length === 0) return [{ name: sliced, dtype: x.dtype, shape, nchw: false }];
  b.addNode('Squeeze', [sliced, b.int64(`${ctx.out()}/shrink`, shrink)], [ctx.out()]);
  return [{ name: ctx.out(), dtype: x.dtype, shape: shape.filter((_, i) => !shrink.includes(i)), nchw: false }];
}

function stridedSlice(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  const begin = constNumbers(ctx, 1, 'begin');
  const end = constNumbers(ctx, 2, 'end');
  const strides = ctx.inputs.length > 3 ? constNumbers(ctx, 3, 'strides') : begin.map(() => 1);
  const bit = (mask: string, j: number) => (attrInt(ctx.node, mask, 0) >> j) & 1;
  if (attrInt(ctx.node, 'new_axis_mask', 0) !== 0) unsupported(ctx, 'new_axis_mask is not supported');
  const rank = x.shape.length;
  const axes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const steps: number[] = [];
  const shrink: number[] = [];
  let axis = 0;
  for (let j = 0; j < begin.length; j++) {
    if (bit('ellipsis_mask', j)) {
      axis += rank - (begin.length - 1);
      continue;
    }
    let step = strides[j];
    let start = bit('begin_mask', j) ? (step > 0 ? 0 : Number.POSITIVE_INFINITY) : begin[j];
    let stop = bit('end_mask', j) ? (step > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : end[j];
    if (bit('shrink_axis_mask', j)) {
      start = begin[j];
      stop = start === -1 ? Number.POSITIVE_INFINITY : start + 1;
      step = 1;
      shrink.push(axis);
    }
    axes.push(axis);
    starts.push(start);
    ends.push(stop);
    steps.push(step);
    axis++;
  }
  return emitSlice(ctx, x, axes, starts, ends, steps, shrink);
}

function slice(ctx: OpContext): TfValue[] {
  const x = inputAt(ctx, 0);
  const begin = constNumbers(ctx, 1, 'begin');
  const size = constNumbers(ctx, 2, 'size');
  const ends = begin.map((s, i) => (size[i] === -1 ? Number.POSITIVE_INFINITY : s + size[i]));
  return emitSlice(ctx, x, begin.map((_, i) => i), begin, ends, begin.map(() => 1), []);
}

function concat(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const parts = ctx.inputs.slice(0, -1);
  const rank = parts[0].shape.length;
  const axis = normAxis(constNumbers(ctx, ctx.inputs.length - 1, 'axis')[0], rank);
  const useNchw = rank === 4 && parts.some((v) => !v.constant && v.nchw) && parts.every((v) => v.shape.length === 4);
  const names = parts.map((v, i) => (useNchw ? b.nchw(v, `${ctx.out()}/in${i}`) : b.logical(v, `${ctx.out()}/in${i}`)));
  b.addNode('Concat', names, [ctx.out()], { axis: useNchw ? TO_NCHW.indexOf(axis as 0) : axis });
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce<Dim>((acc, v) => (acc === null || v.shape[axis] === null ? null : acc + (v.shape[axis] as number)), 0);
  return [{ name: ctx.out(), dtype: parts[0].dtype, shape, nchw: useNchw }];
}

function pack(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const rank = ctx.inputs[0].shape.length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank + 1);
  const names = ctx.inputs.map((v, i) => {
    const u = b.uniqueName(`${ctx.out()}/unsqueeze${i}`);
    b.addNode('Unsqueeze', [b.logical(v, `${ctx.out()}/in${i}`), b.int64(`${ctx.out()}/axes${i}`, [axis])], [u]);
    return u;
  });
  b.addNode('Concat', names, [ctx.out()], { axis });
  const shape = [...ctx.inputs[0].shape];
  shape.splice(axis, 0, ctx.inputs.length);
  return [{ name: ctx.out(), dtype: ctx.inputs[0].dtype, shape, nchw: false }];
}

function split(ctx: OpContext, x: TfValue, axisIn: number, sizes: number[] | null, count: number): TfValue[] {
  const b = ctx.b;
  const axis = normAxis(axisIn, x.shape.length);
  const dim = x.shape[axis];
  let parts = sizes;
  if (parts?.includes(-1)) {
    if (dim === null) unsupported(ctx, 'a -1 split size needs a static dim');
    const rest = parts.filter((s) => s !== -1).reduce((a, s) => a + s, 0);
    parts = parts.map((s) => (s === -1 ? dim - rest : s));
  }
  const outs = Array.from({ length: count }, (_, i) => ctx.out(i));
  const inputs = [b.input(x, `${ctx.out()}/x`)];
  if (parts) inputs.push(b.int64(`${ctx.out()}/split`, parts));
  b.addNode('Split', inputs, outs, { axis: physicalAxis(x, axis), ...(parts ? {} : { num_outputs: count }) });
  return outs.map((name, i) => {
    const shape = [...x.shape];
    shape[axis] = parts ? parts[i] : dim === null ? null : dim / count;
    return { name, dtype: x.dtype, shape, nchw: x.nchw };
  });
}

function pad(ctx: OpContext): TfValue[] {
  const b = ctx.b;
  const x = inputAt(ctx, 0);
  const p = constInput(ctx, 1, 'paddings');
  const rank = x.shape.length;
  const logicalOf = (phys: number) => (x.nchw ? TO_NCHW[phys] : phys);
  const begins = Array.from({ length: rank }, (_, i) => p.data[2 * logicalOf(i)]);
  const ends = Array.from({ length: rank }, (_, i) => p.data[2 * logicalOf(i) + 1]);
  let mode = 'constant';
  if (ctx.node.op === 'MirrorPad') {
    const m = attrString(ctx.node, 'mode', 'REFLECT');
    if (m !== 'REFLECT') unsupported(ctx, `MirrorPad mode ${m} has no ONNX equivalent`);
    mode = 'reflect';
  }
  const inputs = [b.input(x, `${ctx.out()}/x`), b.int64(`${ctx.out()}/pads`, [...begins, ...ends])];
  if (ctx.node.op === 'PadV2' && ctx.inputs.length > 2) inputs.push(b.input(inputAt(ctx, 2), `${ctx.out()}/value`, x.dtype));
  b.addNode('Pad', inputs, [ctx.out()], { mode });
  const shape = x.shape.map((d, i) => (d === null ? null : d + p.data[2 * i] + p.data[2 * i + 1]));
  return [{ name: ctx.out(), dtype: x.dtype, shape, nchw: x.nchw }];
}

/**
 * TF resize semantics → ONNX Resize. Bilinear: half_pixel_centers is ONNX half_pixel
 * (both clamp the source coordinate at the border the same way), align_corners is
 * align_corners, neither is asymmetric. Nearest: TF floors the source coordinate, or
 * rounds it (half up) when aligning corners.
 */
function resize(nearest: boolean): OpMapper {
  return (ctx) => {
    const b = ctx.b;
    const x = inputAt(ctx, 0);
    const [h, w] = constNumbers(ctx, 1, 'size');
    const alignCorners = attrBool(ctx.node, 'align_corners', false);
    const halfPixel = attrBool(ctx.node, 'half_pixel_centers', false);
    const attrs: Record<string, string | number | number[]> = { axes: [2, 3], mode: nearest ? 'nearest' : 'linear' };
    if (alignCorners) attrs.coordinate_transformation_mode = 'align_corners';
    else if (halfPixel) attrs.coordinate_transformation_mode = 'half_pixel';
    else attrs.coordinate_transformation_mode = 'asymmetric';
    // TF nearest + half_pixel_centers takes floor((o + 0.5) * scale); ONNX half_pixel gives
    // that minus 0.5, and rounding half up undoes the shift exactly (the deprecated
    // tf_half_pixel_for_nn mode would make ORT warn on every load).
    if (nearest) attrs.nearest_mode = alignCorners || halfPixel ? 'round_prefer_ceil' : 'floor';
    b.addNode('Resize', [b.nchw(x, `${ctx.out()}/x`), '', '', b.int64(`${ctx.out()}/sizes`, [h, w])], [ctx.out()], attrs);
    return [{ name: ctx.out(), dtype: x.dtype, shape: [x.shape[0], h, w, x.shape[3]], nchw: true }];
  };
}

/** Mappers of this file, by TF op name. */
export const shapeOps: Record<string, OpMapper> = {
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  StridedSlice: stridedSlice,
  Slice: slice,
  ConcatV2: concat,
  Concat: (ctx) => concat({ ...ctx, inputs: [...ctx.inputs.slice(1), ctx.inputs[0]] }),
  Pack: pack,
  SplitV: (ctx) => split(ctx, inputAt(ctx, 0), constNumbers(ctx, 2, 'axis')[0], constNumbers(ctx, 1, 'split sizes'), attrInt(ctx.node, 'num_split', 1)),
  Split: (ctx) => split(ctx, inputAt(ctx, 1), constNumbers(ctx, 0, 'axis')[0], null, attrInt(ctx.node, 'num_split', 1)),
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
  ResizeBilinear: resize(false),
  ResizeNearestNeighbor: resize(true),
};
