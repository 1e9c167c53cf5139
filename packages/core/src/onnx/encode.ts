/** Typed IR -> bytes. Each message starts from its decoded original (if any) so unmodelled fields survive. */
import { writeFileAtomic } from '../fs/write-file-atomic';
import { onnx } from './proto';
import { ErrorCodes, ModelError } from '../errors';
import { attributeTypeToNumber, inferAttributeType } from './attribute-kinds';
import { dataTypeToNumber } from './data-types';
import { toInt64 } from './long';
import { cloneOrCreate, getOrigin } from './origin';
import { tensorToProto } from './tensor-proto';
import { typeView } from './decode';
import type { OnnxAttributeType, OnnxAttributeValue, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './types';
import { preserveUnknownFields } from './unknown-fields';

const utf8 = new TextEncoder();

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

// Proto2 keeps "field absent" apart from "field empty": keep an absent string absent.
function setString<T extends object>(p: T, key: keyof T & string, value: string): void {
  if (value !== '' || hasOwn(p, key)) (p as Record<string, unknown>)[key] = value;
}

function valueInfoToProto(v: OnnxValueInfo): onnx.ValueInfoProto {
  const orig = getOrigin<onnx.ValueInfoProto>(v);
  const p = cloneOrCreate(orig, () => new onnx.ValueInfoProto());
  p.name = v.name;
  // An unchanged type keeps its original TypeProto (dim denotations, non-tensor types).
  const before = orig ? typeView(orig) : undefined;
  if (before && JSON.stringify(before) === JSON.stringify({ dataType: v.dataType, shape: v.shape })) return p;
  if (v.dataType === null && v.shape === null) {
    delete (p as { type?: unknown }).type;
    return p;
  }
  const tensorType = new onnx.TypeProto.Tensor();
  if (v.dataType !== null) tensorType.elemType = dataTypeToNumber(v.dataType);
  if (v.shape !== null) {
    tensorType.shape = new onnx.TensorShapeProto({
      dim: v.shape.map((d) => new onnx.TensorShapeProto.Dimension(typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
    });
  }
  p.type = new onnx.TypeProto({ tensorType });
  return p;
}

const VALUE_FIELDS = ['f', 'i', 's', 't', 'g', 'sparseTensor', 'tp', 'floats', 'ints', 'strings', 'tensors', 'graphs', 'sparseTensors', 'typeProtos'] as const;

function textToBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? utf8.encode(v) : v;
}

function attributeToProto(name: string, value: OnnxAttributeValue, kind: OnnxAttributeType, orig: onnx.AttributeProto | undefined): onnx.AttributeProto {
  if (typeof value === 'object' && value !== null && 'opaque' in value) {
    if (!orig) throw new ModelError(ErrorCodes.INVALID_ARGUMENT, `attribute "${name}": an opaque ${value.type} attribute can only be written back to the node it was read from`);
    return orig;
  }
  const p = cloneOrCreate(orig, () => new onnx.AttributeProto());
  const record = p as unknown as Record<string, unknown>;
  for (const f of VALUE_FIELDS) delete record[f];
  p.name = name;
  p.type = attributeTypeToNumber(kind);
  const list = value as unknown[];
  switch (kind) {
    case 'float': p.f = value as number; break;
    case 'int': p.i = toInt64(value as number | bigint); break;
    case 'string': p.s = textToBytes(value as string | Uint8Array); break;
    case 'tensor': p.t = tensorToProto(value as OnnxTensor); break;
    case 'graph': p.g = graphToProto(value as OnnxGraph); break;
    case 'floats': p.floats = (list as number[]).slice(); break;
    case 'ints': p.ints = (list as (number | bigint)[]).map(toInt64); break;
    case 'strings': p.strings = (list as (string | Uint8Array)[]).map(textToBytes); break;
    case 'tensors': p.tensors = (list as OnnxTensor[]).map(tensorToProto); break;
    case 'graphs': p.graphs = (list as OnnxGraph[]).map(graphToProto); break;
    default: throw new ModelError(ErrorCodes.INVALID_ARGUMENT, `attribute "${name}": cannot write a new ${kind} attribute`);
  }
  return p;
}

function nodeToProto(n: OnnxNode): onnx.NodeProto {
  const orig = getOrigin<onnx.NodeProto>(n);
  const p = cloneOrCreate(orig, () => new onnx.NodeProto());
  p.input = n.inputs.slice();
  p.output = n.outputs.slice();
  setString(p, 'name', n.name);
  p.opType = n.opType;
  setString(p, 'domain', n.domain);
  const origAttrs = new Map((orig?.attribute ?? []).map((a) => [a.name, a as onnx.AttributeProto]));
  p.attribute = Object.entries(n.attributes).map(([name, value]) => {
    const kind = n.attributeTypes?.[name] ?? inferAttributeType(name, value);
    return attributeToProto(name, value, kind, origAttrs.get(name));
  });
  return p;
}

function graphToProto(g: OnnxGraph): onnx.GraphProto {
  const p = cloneOrCreate(getOrigin<onnx.GraphProto>(g), () => new onnx.GraphProto());
  setString(p, 'name', g.name);
  p.node = g.nodes.map(nodeToProto);
  p.initializer = g.initializers.map(tensorToProto);
  p.input = g.inputs.map(valueInfoToProto);
  p.output = g.outputs.map(valueInfoToProto);
  p.valueInfo = g.valueInfo.map(valueInfoToProto);
  return p;
}

/** Encodes a model to ONNX protobuf bytes. */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  preserveUnknownFields();
  const p = cloneOrCreate(getOrigin<onnx.ModelProto>(model), () => new onnx.ModelProto());
  p.irVersion = model.irVersion;
  p.opsetImport = model.opsetImports.map((o) => new onnx.OperatorSetIdProto({ domain: o.domain, version: o.version }));
  setString(p, 'producerName', model.producerName);
  setString(p, 'producerVersion', model.producerVersion);
  setString(p, 'domain', model.domain);
  if (model.modelVersion !== 0 || hasOwn(p, 'modelVersion')) p.modelVersion = model.modelVersion;
  setString(p, 'docString', model.docString);
  p.metadataProps = model.metadata.map((e) => new onnx.StringStringEntryProto({ key: e.key, value: e.value }));
  p.graph = graphToProto(model.graph);
  return onnx.ModelProto.encode(p).finish();
}

/** Encodes `model` and writes it to `path` atomically (temp file in the same folder + rename). */
export async function writeOnnx(model: OnnxModel, path: string): Promise<void> {
  const bytes = encodeOnnx(model);
  await writeFileAtomic(path, bytes);
}
