/**
 * Running a fully convolutional detector at another input size. NanoDet has no layer
 * that needs 416×416, but its exported graph spells the size out: the input shape, the
 * FPN's Resize `sizes` and the heads' Reshape `[1, H·W, C]`. This rewrites those constants
 * for a new size so the same weights run at 512 or 608 (more small objects, slower).
 */
import { InvalidArgumentError, ModelError, ErrorCodes, constantsToInitializers, getInitializer, setInitializer } from '@modelkit/core';
import type { OnnxModel, OnnxTensor } from '@modelkit/core';

/** Input sizes must be multiples of the largest stride, so every feature map stays whole. */
const INPUT_SIZE_MULTIPLE = 32;

function int64Values(t: OnnxTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

function withValues(t: OnnxTensor, values: number[]): OnnxTensor {
  return { ...t, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}

/**
 * Rewrites `model` (in place) from a square `from`×`from` input to `to`×`to`.
 * @throws InvalidArgumentError when `to` is not a positive multiple of 32.
 * @throws ModelError `E_MODEL_INVALID` when a size constant does not scale to whole pixels
 *   (the graph is not the fully convolutional kind this rewrite knows).
 */
export function setSquareInputSize(model: OnnxModel, from: number, to: number, strides: readonly number[]): void {
  if (!Number.isInteger(to) || to <= 0 || to % INPUT_SIZE_MULTIPLE !== 0) {
    throw new InvalidArgumentError(`inputSize must be a positive multiple of ${INPUT_SIZE_MULTIPLE}, got ${String(to)}`);
  }
  if (to === from) return;
  const g = model.graph;
  constantsToInitializers(g);
  const [input] = g.inputs;
  if (!input?.shape || input.shape.length !== 4) throw new ModelError(ErrorCodes.MODEL_INVALID, 'inputSize: the model has no 4-D image input');
  input.shape = [input.shape[0], input.shape[1], to, to];
  const ratio = to / from;
  const cells = new Map(strides.map((s) => [(from / s) ** 2, (to / s) ** 2]));
  for (const node of g.nodes) {
    if (node.opType === 'Resize' && node.inputs[3]) {
      const sizes = getInitializer(g, node.inputs[3]);
      if (!sizes) continue;
      const v = int64Values(sizes);
      // [N, C, H, W]: only the spatial sizes scale.
      const scaled = v.map((d, i) => (i >= v.length - 2 ? d * ratio : d));
      if (!scaled.every(Number.isInteger)) throw new ModelError(ErrorCodes.MODEL_INVALID, `inputSize: Resize sizes ${v} do not scale to ${to}`);
      setInitializer(g, withValues(sizes, scaled));
    } else if (node.opType === 'Reshape') {
      const shape = getInitializer(g, node.inputs[1]);
      if (!shape) continue;
      setInitializer(g, withValues(shape, int64Values(shape).map((d) => cells.get(d) ?? d)));
    }
  }
  for (const out of g.outputs) {
    if (out.shape) out.shape = out.shape.map((d) => (typeof d === 'number' ? (cells.get(d) ?? d) : d));
  }
  // Intermediate shapes were inferred for the old size; onnxruntime infers them again.
  g.valueInfo = [];
}
