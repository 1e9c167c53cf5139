/** AttributeProto.AttributeType numbers and kind inference for new attributes. */
import { InvalidArgumentError } from '../errors';
import type { OnnxAttributeType, OnnxAttributeValue } from './types';

const BY_NUMBER: Record<number, OnnxAttributeType> = {
  1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings',
  9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

/** @internal */
export function attributeTypeFromNumber(n: number): OnnxAttributeType | undefined {
  return BY_NUMBER[n];
}

/** @internal */
export function attributeTypeToNumber(t: OnnxAttributeType): number {
  for (const [n, name] of Object.entries(BY_NUMBER)) if (name === t) return Number(n);
  throw new InvalidArgumentError(`unknown attribute type "${String(t)}"`);
}

function isTensorLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'dataType' in v && 'dims' in v && 'data' in v;
}

function isGraphLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'nodes' in v && 'initializers' in v;
}

function isIntegral(v: unknown): boolean {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/**
 * The attribute kind a value is written as when its node gives none: integral numbers are
 * ints, other numbers floats, so give `attributeTypes` for a float like `alpha: 1`. An
 * empty list is written as `ints`.
 */
export function inferAttributeType(name: string, value: OnnxAttributeValue): OnnxAttributeType {
  if (typeof value === 'number' || typeof value === 'bigint') return isIntegral(value) ? 'int' : 'float';
  if (typeof value === 'string' || value instanceof Uint8Array) return 'string';
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.length === 0) return 'ints';
    if (items.every((v) => typeof v === 'number' || typeof v === 'bigint')) return items.every(isIntegral) ? 'ints' : 'floats';
    if (items.every((v) => typeof v === 'string' || v instanceof Uint8Array)) return 'strings';
    if (items.every(isTensorLike)) return 'tensors';
    if (items.every(isGraphLike)) return 'graphs';
  } else if (isTensorLike(value)) {
    return 'tensor';
  } else if (isGraphLike(value)) {
    return 'graph';
  } else if (typeof value === 'object' && value !== null && 'opaque' in value) {
    return value.type;
  }
  throw new InvalidArgumentError(`attribute "${name}": cannot tell the ONNX attribute kind of this value`, { details: { attribute: name } });
}
