/** BatchNormalization: as per-channel scale and shift, folded into a conv/dense when safe. */
import type { GraphBuilder, Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { unsupported } from './unsupported';

/** y = x · scale + shift per channel, the inference form of a batch-norm layer. */
export interface Affine {
  scale: Float32Array;
  shift: Float32Array;
}

/** The tfjs axis the layer normalises, normalised to a non-negative index. */
export function batchNormAxis(bn: LayerInfo, rank: number): number {
  const raw = bn.raw('axis');
  const axis = Array.isArray(raw) && raw.length === 1 ? Number(raw[0]) : typeof raw === 'number' ? raw : -1;
  if (!Number.isInteger(axis)) throw unsupported(bn.className, bn.name, `axis=${JSON.stringify(raw)}`);
  return axis < 0 ? axis + rank : axis;
}

/** Scale and shift of a batch-norm layer from its moving statistics. */
export function batchNormAffine(bn: LayerInfo): Affine {
  const mean = bn.requireWeight('moving_mean').data;
  const variance = bn.requireWeight('moving_variance').data;
  const gamma = bn.weight('gamma')?.data;
  const beta = bn.weight('beta')?.data;
  const eps = bn.number('epsilon', 1e-3);
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    // Double precision here; tfjs computes (x - mean) · gamma / sqrt(var + eps) + beta in float32.
    const s = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
    scale[c] = s;
    shift[c] = (beta ? beta[c] : 0) - mean[c] * s;
  }
  return { scale, shift };
}

/**
 * An unfolded batch norm over the last (channel) axis: ONNX BatchNormalization on a
 * rank-4 value (in NCHW), a broadcast Mul + Add otherwise.
 */
export function emitBatchNorm(g: GraphBuilder, bn: LayerInfo, input: Value, out: (number | null)[]): Value {
  const rank = input.shape.length;
  if (batchNormAxis(bn, rank) !== rank - 1) {
    // tfjs 4.22's batchNorm kernels (cpu and wasm) cycle the statistics over the flat
    // element index, i.e. along the last axis whatever the layer's axis says, so a
    // non-last axis has no faithful ONNX form (checked: stats [10, 20] on axis 1 of
    // [[1,2,3],[4,5,6]] give [-9,-18,-7,-16,-5,-14]).
    throw unsupported(bn.className, bn.name, 'axis other than the last (tfjs computes it inconsistently)');
  }
  const { scale, shift } = batchNormAffine(bn);
  const c = scale.length;
  if (rank === 4) {
    const x = g.asNchw(input);
    const zeros = new Float32Array(c);
    const ones = new Float32Array(c).fill(1);
    // Scale and shift are pre-combined, so mean 0 / var 1 and epsilon 0 make BN exactly x·scale+shift.
    const y = g.node(
      'BatchNormalization',
      [x.name, g.floatConst(`${bn.name}_scale`, [c], scale), g.floatConst(`${bn.name}_shift`, [c], shift), g.floatConst(`${bn.name}_mean`, [c], zeros), g.floatConst(`${bn.name}_var`, [c], ones)],
      bn.name,
      { epsilon: 0 },
      { epsilon: 'float' },
    );
    return { name: y, layout: 'nchw', shape: out };
  }
  const m = g.node('Mul', [input.name, g.floatConst(`${bn.name}_scale`, [c], scale)], `${bn.name}_mul`);
  const y = g.node('Add', [m, g.floatConst(`${bn.name}_shift`, [c], shift)], bn.name);
  return { name: y, layout: input.layout, shape: out };
}
