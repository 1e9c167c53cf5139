/** What calibration learned about the tensors of a graph: element type, shape and float range. */
import type { Range } from './qparams';

/** One tensor as calibration saw it. */
export interface TensorInfo {
  /** onnxruntime's element type of the tensor, e.g. `float32`, `int64`. */
  dataType: string;
  /** Dims seen; an axis that varied between calibration inputs is `null`, and all of it when the rank varied. */
  dims: (number | null)[] | null;
  /** The range to quantize over (float tensors only). */
  range?: Range;
}

/** Tensor name -> what calibration saw. */
export type TensorInfoMap = ReadonlyMap<string, TensorInfo>;
