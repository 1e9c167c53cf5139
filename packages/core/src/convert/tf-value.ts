/** What the converter knows about one tfjs tensor while it builds the ONNX graph. */
import type { ConstDtype, ConstTensor } from './const-tensor';

/**
 * A tfjs tensor mapped to ONNX. TF graphs are channels-last; ONNX Conv/Pool/Resize are
 * channels-first. Rather than wrapping every such op in a Transpose pair, each 4-D value
 * remembers whether its ONNX tensor holds the TF tensor as-is or transposed to NCHW, and
 * layout-agnostic ops (elementwise, pads, concat, reductions, ...) work in whichever layout
 * their inputs are in. Transposes appear only where a layout-sensitive op (Reshape,
 * MatMul, graph outputs, ...) needs the TF layout back.
 */
export interface TfValue {
  /** ONNX tensor name holding the data; '' for a constant not yet written as an initializer. */
  name: string;
  dtype: ConstDtype;
  /** The TF (logical) shape; null marks an unknown dim. */
  shape: (number | null)[];
  /** True when the ONNX tensor is the TF tensor transposed by [0, 3, 1, 2] (NHWC → NCHW). */
  nchw: boolean;
  /** The value, when it is known while converting (weights, folded shape arithmetic). */
  constant?: ConstTensor;
}

/** NHWC → NCHW. */
export const TO_NCHW = [0, 3, 1, 2] as const;
/** NCHW → NHWC. */
export const TO_NHWC = [0, 2, 3, 1] as const;

/** A value wrapping a known constant. */
export function constValue(c: ConstTensor): TfValue {
  return { name: '', dtype: c.dtype, shape: [...c.shape], nchw: false, constant: c };
}

/** The physical position of logical axis `axis` (already normalised) of a value. */
export function physicalAxis(v: TfValue, axis: number): number {
  return v.nchw ? TO_NCHW.indexOf(axis as 0 | 1 | 2 | 3) : axis;
}

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
