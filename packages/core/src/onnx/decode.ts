/** Bytes -> typed IR (onnx-proto does the wire format). */
import { readFile } from 'node:fs/promises';
import { onnx } from './proto';
import { ErrorCodes, ModelError } from '../errors';
import { attributeTypeFromNumber } from './attribute-kinds';
import { dataTypeFromNumber } from './data-types';
import { int64ToNumber, int64ToNumberOrBigInt, type Int64 } from './long';
import { setOrigin } from './origin';
import { tensorFromProto } from './tensor-proto';
import type { OnnxAttributeType, OnnxAttributeValue, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './types';
import { preserveUnknownFields } from './unknown-fields';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

// Attribute strings are bytes in ONNX; show them as text unless that would lose bytes.
function bytesToText(b: Uint8Array): string | Uint8Array {
  try {
    return utf8.decode(b);
  } catch {
    return b.slice();
  }
}

/** @internal Type and shape view of a ValueInfoProto (also used by the encoder to detect edits). */
export function typeView(v: onnx.IValueInfoProto): Pick<OnnxValueInfo, 'dataType' | 'shape'> {
  const tt = v.type?.tensorType;
  if (!tt) return { dataType: null, shape: null };
  const dataType = hasOwn(tt, 'elemType') ? dataTypeFromNumber(tt.elemType ?? 0) ?? null : null;
  const shape = tt.shape
    ? (tt.shape.dim ?? []).map((d) => (hasOwn(d, 'dimValue') ? int64ToNumber(d.dimValue as Int64) : hasOwn(d, 'dimParam') ? (d.dimParam ?? null) : null))
    : null;
  return { dataType, shape };
}

function valueInfoFromProto(v: onnx.ValueInfoProto): OnnxValueInfo {
  const info: OnnxValueInfo = { name: v.name, ...typeView(v) };
  setOrigin(info, v);
  return info;
}

// Models from very old exporters leave `type` unset; the set field tells the kind.
function guessKind(a: onnx.AttributeProto): OnnxAttributeType | undefined {
  if (hasOwn(a, 'f')) return 'float';
  if (hasOwn(a, 'i')) return 'int';
  if (hasOwn(a, 's')) return 'string';
  if (a.t) return 'tensor';
  if (a.g) return 'graph';
  if (a.floats.length) return 'floats';
  if (a.ints.length) return 'ints';
  if (a.strings.length) return 'strings';
  if (a.tensors.length) return 'tensors';
  if (a.graphs.length) return 'graphs';
  return undefined;
}

function attributeValue(a: onnx.AttributeProto, kind: OnnxAttributeType, where: string): OnnxAttributeValue {
  switch (kind) {
    case 'float': return a.f;
    case 'int': return int64ToNumberOrBigInt(a.i as Int64);
    case 'string': return bytesToText(a.s);
    case 'tensor': return tensorFromProto(a.t as onnx.TensorProto, where);
    case 'graph': return graphFromProto(a.g as onnx.GraphProto, where);
    case 'floats': return a.floats.slice();
    case 'ints': return (a.ints as Int64[]).map(int64ToNumberOrBigInt);
    case 'strings': return a.strings.map(bytesToText) as (string | Uint8Array)[];
    case 'tensors': return a.tensors.map((t) => tensorFromProto(t as onnx.TensorProto, where));
    case 'graphs': return a.graphs.map((g) => graphFromProto(g as onnx.GraphProto, where));
    default: return { opaque: true, type: kind };
  }
}

function nodeFromProto(n: onnx.NodeProto, where: string): OnnxNode {
  const node: OnnxNode = {
    name: n.name, opType: n.opType, domain: n.domain, inputs: n.input.slice(), outputs: n.output.slice(),
    attributes: {}, attributeTypes: {},
  };
  for (const a of n.attribute as onnx.AttributeProto[]) {
    const kind = attributeTypeFromNumber(a.type) ?? guessKind(a);
    if (kind === undefined) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `${where}: attribute "${a.name}" of node "${n.name}" (${n.opType}) has no value`, { details: { file: where, node: n.name } });
    }
    node.attributes[a.name] = attributeValue(a, kind, where);
    node.attributeTypes![a.name] = kind;
  }
  setOrigin(node, n);
  return node;
}

function graphFromProto(g: onnx.GraphProto, where: string): OnnxGraph {
  const graph: OnnxGraph = {
    name: g.name,
    inputs: (g.input as onnx.ValueInfoProto[]).map(valueInfoFromProto),
    outputs: (g.output as onnx.ValueInfoProto[]).map(valueInfoFromProto),
    nodes: (g.node as onnx.NodeProto[]).map((n) => nodeFromProto(n, where)),
    initializers: (g.initializer as onnx.TensorProto[]).map((t) => tensorFromProto(t, where)),
    valueInfo: (g.valueInfo as onnx.ValueInfoProto[]).map(valueInfoFromProto),
  };
  setOrigin(graph, g);
  return graph;
}

function notOnnx(where: string, why: string, cause?: unknown): ModelError {
  return new ModelError(ErrorCodes.MODEL_FORMAT, `${where} is not an ONNX model (${why})`, { cause, details: { file: where } });
}

/**
 * Decodes an ONNX model. `name` (a file path or label) appears in error messages.
 * @throws ModelError `E_MODEL_FORMAT` when the bytes are not an ONNX ModelProto.
 */
export function decodeOnnx(bytes: Uint8Array, name = 'ONNX bytes'): OnnxModel {
  preserveUnknownFields();
  if (!(bytes instanceof Uint8Array)) throw notOnnx(name, 'expected a Uint8Array or Buffer');
  if (bytes.length === 0) throw notOnnx(name, 'it is empty');
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw notOnnx(name, `protobuf decoding failed: ${(err as Error).message}`, err);
  }
  // Random bytes sometimes parse as protobuf; a real model always has both of these.
  if (!hasOwn(proto, 'irVersion') || !proto.graph) throw notOnnx(name, 'no ir_version or graph');
  const model: OnnxModel = {
    irVersion: int64ToNumber(proto.irVersion as Int64),
    opsetImports: (proto.opsetImport as onnx.OperatorSetIdProto[]).map((o) => ({ domain: o.domain, version: int64ToNumber(o.version as Int64) })),
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    domain: proto.domain,
    modelVersion: int64ToNumber(proto.modelVersion as Int64),
    docString: proto.docString,
    metadata: (proto.metadataProps as onnx.StringStringEntryProto[]).map((e) => ({ key: e.key, value: e.value })),
    graph: graphFromProto(proto.graph as onnx.GraphProto, name),
  };
  setOrigin(model, proto);
  return model;
}

/**
 * Reads and decodes an .onnx file.
 * @throws ModelError `E_FILE_NOT_FOUND` when the file cannot be read, `E_MODEL_FORMAT` when it is not ONNX.
 */
export async function readOnnx(path: string): Promise<OnnxModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `cannot read ONNX model ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
  return decodeOnnx(bytes, path);
}
