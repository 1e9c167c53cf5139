/**
 * Checks feeds against a model's declared inputs before onnxruntime sees them, so a
 * mistake gives one message naming the input, what was expected and what was given,
 * instead of an onnxruntime error from deep inside a kernel.
 */
import { ErrorCodes, SessionError } from '../errors';
import type { TensorArray, TensorData, TensorSpec } from './types';

/** @internal The element types a data array can carry. */
function typesOfArray(data: TensorArray): string[] {
  if (Array.isArray(data)) return ['string'];
  if (data instanceof Float32Array) return ['float32'];
  if (data instanceof Float64Array) return ['float64'];
  if (data instanceof Uint8Array) return ['uint8', 'bool'];
  if (data instanceof Int8Array) return ['int8'];
  if (data instanceof Uint16Array) return ['uint16', 'float16'];
  if (data instanceof Int16Array) return ['int16'];
  if (data instanceof Int32Array) return ['int32'];
  if (data instanceof Uint32Array) return ['uint32'];
  if (data instanceof BigInt64Array) return ['int64'];
  if (data instanceof BigUint64Array) return ['uint64'];
  return [];
}

const ARRAY_FOR: Record<string, string> = {
  float32: 'Float32Array', float64: 'Float64Array', uint8: 'Uint8Array', bool: 'Uint8Array', int8: 'Int8Array',
  uint16: 'Uint16Array', float16: 'Uint16Array', int16: 'Int16Array', int32: 'Int32Array', uint32: 'Uint32Array',
  int64: 'BigInt64Array', uint64: 'BigUint64Array', string: 'string[]',
};

function fmt(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function mismatch(model: string, message: string, details: Record<string, unknown>): SessionError {
  return new SessionError(ErrorCodes.TENSOR_MISMATCH, `${model}: ${message}`, { details: { model, ...details } });
}

/** @internal Element type the feed will be sent as, after checking it against `spec`. */
export function checkFeed(model: string, spec: TensorSpec, feed: TensorData): string {
  const name = spec.name;
  if (typeof feed !== 'object' || feed === null || feed.data === undefined || !Array.isArray(feed.dims)) {
    throw mismatch(model, `input "${name}" must be { data, dims }`, { input: name });
  }
  const dims = feed.dims;
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw mismatch(model, `input "${name}": dims ${fmt(dims)} must be non-negative integers`, { input: name, dims });
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (feed.data.length !== count) {
    throw mismatch(model, `input "${name}": data has ${feed.data.length} elements but dims ${fmt(dims)} need ${count}`, { input: name, dims, length: feed.data.length });
  }
  const possible = typesOfArray(feed.data);
  if (possible.length === 0) throw mismatch(model, `input "${name}": data must be a typed array or string[]`, { input: name });
  const type = feed.dataType ?? (possible.includes(spec.dataType) ? spec.dataType : possible[0]!);
  if (!possible.includes(type)) {
    throw mismatch(model, `input "${name}": dataType "${type}" cannot be carried by ${feed.data.constructor.name}`, { input: name });
  }
  if (type !== spec.dataType) {
    const want = ARRAY_FOR[spec.dataType] ?? spec.dataType;
    throw mismatch(model, `input "${name}" must be ${spec.dataType} (${want}), got ${type} (${feed.data.constructor.name})`, { input: name, expected: spec.dataType, actual: type });
  }
  if (spec.shape !== null) {
    if (dims.length !== spec.shape.length) {
      throw mismatch(model, `input "${name}" must have rank ${spec.shape.length} ${fmt(spec.shape)}, got rank ${dims.length} ${fmt(dims)}`, { input: name, expected: spec.shape, actual: dims });
    }
    spec.shape.forEach((want, axis) => {
      if (typeof want === 'number' && want >= 0 && dims[axis] !== want) {
        throw mismatch(model, `input "${name}" axis ${axis} must be ${want} (shape ${fmt(spec.shape!)}), got ${dims[axis]} (dims ${fmt(dims)})`, { input: name, axis, expected: spec.shape, actual: dims });
      }
    });
  }
  return type;
}

/** @internal Checks names: every declared input given, nothing extra; requested outputs exist. */
export function checkNames(model: string, inputs: readonly TensorSpec[], outputs: readonly TensorSpec[], feeds: Record<string, TensorData>, outputNames?: readonly string[]): void {
  if (typeof feeds !== 'object' || feeds === null) throw mismatch(model, 'feeds must be an object of { inputName: { data, dims } }', {});
  const declared = inputs.map((i) => i.name);
  const unknown = Object.keys(feeds).filter((k) => !declared.includes(k));
  const missing = declared.filter((k) => !(k in feeds));
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [];
    if (unknown.length > 0) parts.push(`unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')}`);
    if (missing.length > 0) parts.push(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')}`);
    throw mismatch(model, `${parts.join('; ')}. The model takes: ${inputs.map((i) => `${i.name} ${i.dataType}${i.shape ? fmt(i.shape) : ''}`).join(', ')}`, { unknown, missing });
  }
  if (outputNames !== undefined) {
    const outs = outputs.map((o) => o.name);
    const bad = outputNames.filter((n) => !outs.includes(n));
    if (bad.length > 0) throw mismatch(model, `unknown output${bad.length > 1 ? 's' : ''} ${bad.map((s) => `"${s}"`).join(', ')}; the model has: ${outs.join(', ')}`, { unknownOutputs: bad });
  }
}
