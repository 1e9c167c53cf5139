/** Typed readers for TensorFlow NodeDef attributes in their proto3 JSON form. */
import { ErrorCodes, ModelError } from '../errors';
import type { ConstDtype } from './const-tensor';
import type { TfjsAttrValue, TfjsNode, TfjsShape } from './tfjs-model-json';

function decodeBase64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

function attr(node: TfjsNode, key: string): TfjsAttrValue | undefined {
  return node.attr?.[key];
}

/** A string attribute (bytes in base64), or `fallback`. */
export function attrString(node: TfjsNode, key: string, fallback: string): string {
  const a = attr(node, key);
  return a?.s !== undefined ? decodeBase64(a.s) : fallback;
}

/** An int attribute, or `fallback`. */
export function attrInt(node: TfjsNode, key: string, fallback: number): number {
  const a = attr(node, key);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

/** A float attribute, or `fallback`. */
export function attrFloat(node: TfjsNode, key: string, fallback: number): number {
  const a = attr(node, key);
  return a?.f !== undefined ? Number(a.f) : fallback;
}

/** A bool attribute, or `fallback`. */
export function attrBool(node: TfjsNode, key: string, fallback: boolean): boolean {
  const a = attr(node, key);
  return a?.b !== undefined ? a.b : fallback;
}

/** A list-of-ints attribute, or `fallback` (also when the list is empty). */
export function attrInts(node: TfjsNode, key: string, fallback: number[]): number[] {
  const l = attr(node, key)?.list?.i;
  return l && l.length > 0 ? l.map(Number) : fallback;
}

/** A list-of-strings attribute (e.g. `fused_ops`). */
export function attrStrings(node: TfjsNode, key: string): string[] {
  return (attr(node, key)?.list?.s ?? []).map(decodeBase64);
}

/** A shape attribute: dims with -1 mapped to null; null when the rank is unknown. */
export function attrShape(node: TfjsNode, key: string): (number | null)[] | null {
  const shape = attr(node, key)?.shape;
  return shape ? shapeFromProto(shape) : null;
}

/** Converts a TensorShapeProto to dims (null = unknown dim), null for unknown rank. */
function shapeFromProto(shape: TfjsShape): (number | null)[] | null {
  if (shape.unknownRank) return null;
  return (shape.dim ?? []).map((d) => {
    const n = Number(d.size ?? 0);
    return n < 0 ? null : n;
  });
}

/** Maps a TF DataType enum name to the converter's dtype; throws on types it cannot compute with. */
function tfDtype(node: TfjsNode, type: string | undefined): ConstDtype {
  switch (type) {
    case 'DT_FLOAT':
    case 'DT_HALF':
    case 'DT_DOUBLE':
      return 'float32';
    case 'DT_INT32':
    case 'DT_INT16':
    case 'DT_INT8':
    case 'DT_UINT8':
    case 'DT_UINT16':
      return 'int32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `node "${node.name}" (${node.op}) uses data type ${type ?? '(none)'}, which the converter does not support`, {
        details: { node: node.name, op: node.op, dtype: type },
      });
  }
}

/** The dtype named by attribute `key` (e.g. "T", "dtype", "DstT"). */
export function attrDtype(node: TfjsNode, key: string, fallback: ConstDtype): ConstDtype {
  const t = attr(node, key)?.type;
  return t === undefined ? fallback : tfDtype(node, t);
}
