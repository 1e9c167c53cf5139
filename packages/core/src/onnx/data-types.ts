/**
 * ONNX element types: the names modelkit uses, their `TensorProto.DataType` numbers, and
 * the typed arrays that hold them in memory.
 */
import { ModelError, ErrorCodes } from '../errors';

/** Element type of an ONNX tensor, named like onnxruntime's tensor types. */
export type OnnxDataType =
  | 'float32' | 'float16' | 'float64' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz'
  | 'uint4' | 'int4' | 'float4e2m1';

/**
 * In-memory data of a tensor. 16-bit floats are their raw bit patterns (Uint16Array),
 * bool is one byte per element, complex types interleave (re, im), and the 8- and 4-bit
 * float/int types are their packed raw bytes (Uint8Array).
 */
export type OnnxTensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

// Index = TensorProto.DataType number (ONNX 1.17 numbering; onnx-proto 8 stops at 16, but
// the enum is just an int32 on the wire so newer numbers decode fine).
const BY_NUMBER: readonly (OnnxDataType | undefined)[] = [
  undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16',
  'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1',
];

/** The `TensorProto.DataType` number of `type`. */
export function dataTypeToNumber(type: OnnxDataType): number {
  const n = BY_NUMBER.indexOf(type);
  if (n <= 0) throw new ModelError(ErrorCodes.INVALID_ARGUMENT, `unknown ONNX data type "${String(type)}"`);
  return n;
}

/** The modelkit name of a `TensorProto.DataType` number, or `undefined` when unknown. */
export function dataTypeFromNumber(n: number): OnnxDataType | undefined {
  return BY_NUMBER[n];
}

/** True when `s` names an ONNX data type. */
export function isOnnxDataType(s: unknown): s is OnnxDataType {
  return typeof s === 'string' && BY_NUMBER.includes(s as OnnxDataType);
}

type ArrayCtor = { new (n: number): Exclude<OnnxTensorData, string[]>; from(a: ArrayLike<number>): Exclude<OnnxTensorData, string[]>; BYTES_PER_ELEMENT: number };

/** The typed-array class that holds `type`, or `null` for strings. */
export function arrayTypeOf(type: OnnxDataType): ArrayCtor | null {
  switch (type) {
    case 'float32': case 'complex64': return Float32Array;
    case 'float64': case 'complex128': return Float64Array;
    case 'float16': case 'bfloat16': case 'uint16': return Uint16Array;
    case 'int8': return Int8Array;
    case 'int16': return Int16Array;
    case 'int32': return Int32Array;
    case 'uint32': return Uint32Array;
    case 'int64': return BigInt64Array as unknown as ArrayCtor;
    case 'uint64': return BigUint64Array as unknown as ArrayCtor;
    case 'string': return null;
    default: return Uint8Array; // uint8, bool, float8*, 4-bit types
  }
}

/** Product of dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Length `data` must have for a tensor of `type` and `dims`. */
export function dataLengthFor(type: OnnxDataType, dims: readonly number[]): number {
  const n = elementCount(dims);
  if (type === 'complex64' || type === 'complex128') return 2 * n;
  if (type === 'uint4' || type === 'int4' || type === 'float4e2m1') return Math.ceil(n / 2);
  return n;
}
