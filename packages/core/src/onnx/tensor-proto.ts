/**
 * TensorProto <-> OnnxTensor. Data is copied into fresh, aligned typed arrays; on the way
 * back a tensor is written to the same storage it came from (raw_data or the typed field),
 * which is what makes an untouched model round-trip bit-faithfully.
 */
import { endianness } from 'node:os';
import { onnx } from './proto';
import { ErrorCodes, ModelError } from '../errors';
import { arrayTypeOf, dataTypeFromNumber, dataTypeToNumber, type OnnxDataType, type OnnxTensorData } from './data-types';
import { cloneOrCreate, getOrigin, setOrigin } from './origin';
import { int64ToBigInt, int64ToNumber, toInt64, toUint64, uint64ToBigInt, type Int64 } from './long';
import type { OnnxTensor } from './types';

// raw_data is little-endian by the ONNX spec; we view it through native typed arrays.
const LITTLE_ENDIAN = endianness() === 'LE';
const EXTERNAL = 1;
const utf8 = new TextDecoder('utf-8');

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new ModelError(ErrorCodes.MODEL_FORMAT, 'ONNX raw tensor data needs a little-endian machine');
}

function fromRaw(type: OnnxDataType, raw: Uint8Array, name: string): OnnxTensorData {
  assertLittleEndian();
  const Ctor = arrayTypeOf(type);
  if (Ctor === null) throw new ModelError(ErrorCodes.MODEL_FORMAT, `string tensor "${name}" uses raw_data, which ONNX forbids`);
  if (raw.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `tensor "${name}": raw_data has ${raw.byteLength} bytes, not a multiple of ${Ctor.BYTES_PER_ELEMENT} for ${type}`);
  }
  // Copy: protobufjs hands out views into the file buffer, which may be unaligned and
  // would keep the whole file alive.
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  return new (Ctor as unknown as new (b: ArrayBuffer) => OnnxTensorData)(copy.buffer);
}

function fromTypedField(type: OnnxDataType, p: onnx.TensorProto): OnnxTensorData {
  switch (type) {
    case 'string': return p.stringData.map((b) => utf8.decode(b));
    case 'float32': case 'complex64': return Float32Array.from(p.floatData);
    case 'float64': case 'complex128': return Float64Array.from(p.doubleData);
    case 'int64': return BigInt64Array.from((p.int64Data as Int64[]).map(int64ToBigInt));
    case 'uint64': return BigUint64Array.from((p.uint64Data as Int64[]).map(uint64ToBigInt));
    case 'uint32': return Uint32Array.from((p.uint64Data as Int64[]).map(int64ToNumber));
    default: {
      // Every other type (incl. float16/bfloat16 bit patterns, bool, 8/4-bit) sits in int32_data.
      const Ctor = arrayTypeOf(type);
      return Ctor!.from(p.int32Data) as OnnxTensorData;
    }
  }
}

/** @internal Decodes a TensorProto; `where` names the model for error messages. */
export function tensorFromProto(p: onnx.TensorProto, where: string): OnnxTensor {
  const dataType = dataTypeFromNumber(p.dataType);
  if (dataType === undefined) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `${where}: tensor "${p.name}" has unknown data type ${p.dataType}`, { details: { file: where, tensor: p.name } });
  }
  const dims = (p.dims as Int64[]).map(int64ToNumber);
  const tensor: OnnxTensor = { name: p.name, dataType, dims, data: [] };
  if (p.dataLocation === EXTERNAL) {
    tensor.external = Object.fromEntries(p.externalData.map((e) => [e.key, e.value]));
    const Ctor = arrayTypeOf(dataType);
    tensor.data = Ctor === null ? [] : (new Ctor(0) as OnnxTensorData);
  } else if (p.rawData && p.rawData.length > 0) {
    tensor.data = fromRaw(dataType, p.rawData, p.name);
  } else {
    tensor.data = fromTypedField(dataType, p);
  }
  setOrigin(tensor, p);
  return tensor;
}

function bytesOf(data: Exclude<OnnxTensorData, string[]>): Uint8Array {
  assertLittleEndian();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function setTypedField(p: onnx.TensorProto, type: OnnxDataType, data: OnnxTensorData): void {
  switch (type) {
    case 'float32': case 'complex64': p.floatData = Array.from(data as Float32Array); return;
    case 'float64': case 'complex128': p.doubleData = Array.from(data as Float64Array); return;
    case 'int64': p.int64Data = Array.from(data as BigInt64Array, toInt64); return;
    case 'uint64': p.uint64Data = Array.from(data as BigUint64Array, toUint64); return;
    case 'uint32': p.uint64Data = Array.from(data as Uint32Array); return;
    default: p.int32Data = Array.from(data as Int32Array); return;
  }
}

const DATA_FIELDS = ['floatData', 'int32Data', 'stringData', 'int64Data', 'rawData', 'doubleData', 'uint64Data'] as const;

/** @internal Encodes a tensor, reusing its original message for fields the IR does not model. */
export function tensorToProto(t: OnnxTensor): onnx.TensorProto {
  const orig = getOrigin<onnx.TensorProto>(t);
  const p = cloneOrCreate(orig, () => new onnx.TensorProto());
  if (t.name !== '' || hasOwn(p, 'name')) p.name = t.name;
  p.dataType = dataTypeToNumber(t.dataType);
  p.dims = t.dims.slice();
  if (orig !== undefined && orig.dataLocation === EXTERNAL) return p; // bytes live elsewhere
  const record = p as unknown as Record<string, unknown>;
  for (const f of DATA_FIELDS) delete record[f];
  const wasTyped = orig !== undefined && !(orig.rawData && orig.rawData.length > 0);
  if (t.dataType === 'string') {
    p.stringData = (t.data as string[]).map((s) => new TextEncoder().encode(s));
  } else if (wasTyped) {
    setTypedField(p, t.dataType, t.data);
  } else {
    p.rawData = bytesOf(t.data as Exclude<OnnxTensorData, string[]>);
  }
  return p;
}
