/**
 * How each operator takes part in a QDQ graph, following the patterns onnxruntime's CPU
 * provider fuses at graph optimisation level `all` (its QDQ selectors, then the NHWC
 * rewrite): DequantizeLinear on every float input, QuantizeLinear on the output.
 */
import type { OnnxNode } from '@modelkit/core';

/**
 * - `conv`: Conv → QLinearConv; input 0 uint8, weight int8 per output channel, bias int32.
 * - `matmul`: MatMul → QLinearMatMul; a constant B is an int8 weight.
 * - `gemm`: Gemm → QGemm; constant B an int8 weight, C an int32 bias.
 * - `binary`: Add, Mul → QLinearAdd / QLinearMul (constant operands stored as uint8).
 * - `variadic`: Concat → QLinearConcat (inputs keep their own scales).
 * - `unary`: Sigmoid, LeakyRelu, (Global)AveragePool, Softmax → their QLinear versions.
 * - `hard-sigmoid`: no integer kernel; rewritten as Add + a saturating QuantizeLinear.
 * - `activation`: Relu, Clip: not quantized themselves; the producer's output takes their
 *   output's range and its saturation does their work (onnxruntime drops them).
 * - `shared`: data-movement ops (MaxPool, Resize, Reshape, Transpose, …) run on uint8 when
 *   input and output share one scale and zero point.
 */
export type QuantRole = 'conv' | 'matmul' | 'gemm' | 'binary' | 'variadic' | 'unary' | 'hard-sigmoid' | 'activation' | 'shared';

const ROLES: Readonly<Record<string, QuantRole>> = {
  Conv: 'conv',
  MatMul: 'matmul',
  Gemm: 'gemm',
  Add: 'binary',
  Mul: 'binary',
  Concat: 'variadic',
  Sigmoid: 'unary',
  LeakyRelu: 'unary',
  AveragePool: 'unary',
  GlobalAveragePool: 'unary',
  Softmax: 'unary',
  HardSigmoid: 'hard-sigmoid',
  Relu: 'activation',
  Clip: 'activation',
  MaxPool: 'shared',
  Resize: 'shared',
  Reshape: 'shared',
  Transpose: 'shared',
  Squeeze: 'shared',
  Unsqueeze: 'shared',
  Flatten: 'shared',
  Split: 'shared',
  Slice: 'shared',
};

/** The role of `node` in a QDQ graph, or undefined when it stays float. */
export function quantRole(node: OnnxNode): QuantRole | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  return ROLES[node.opType];
}

/** Roles whose nodes are quantized layers in their own right (what sensitivity is measured for). */
export function isComputeRole(role: QuantRole | undefined): boolean {
  return role !== undefined && role !== 'activation' && role !== 'shared';
}

/**
 * Indices of the inputs that carry float activations or constants to quantize (shape,
 * index and size inputs never do): data input 0 for unary and shared ops, both operands
 * of binary ops, every input of Concat, A and B of MatMul/Gemm.
 */
export function dataInputs(node: OnnxNode, role: QuantRole): number[] {
  switch (role) {
    case 'binary':
    case 'matmul':
      return [0, 1];
    case 'gemm':
      return [0, 1];
    case 'variadic':
      return node.inputs.map((_, i) => i);
    default:
      return [0];
  }
}
