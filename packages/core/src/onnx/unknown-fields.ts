/**
 * Keeps protobuf fields that onnx-proto's schema (ONNX 1.10) does not know, so a model
 * written by a newer exporter (e.g. `NodeProto.metadata_props`, `FunctionProto.value_info`)
 * survives decode -> encode.
 *
 * onnx-proto is pbjs "static" code: its decoders skip unknown fields and keep nothing. We
 * wrap each message type's static `decode`/`encode` (the generated code looks them up on
 * the shared root at call time, so nested messages go through the wrappers too): decode
 * re-walks the message's own top-level fields on the wire (cheap: a bytes field is skipped
 * by its length) and records unknown ones; encode appends them after the known fields.
 * The wrappers only act on messages that carry recorded fields, so other users of
 * onnx-proto in the same process see no change.
 */
import type * as Pb from 'protobufjs/minimal.js';
import { onnx, protobuf } from './proto';

/** Recorded unknown field: its number, wire type and payload. */
interface UnknownField { field: number; wireType: number; value: Pb.Long | number | Uint8Array }

/** Property under which a decoded proto message carries its unknown fields. */
const UNKNOWN_FIELDS = '$modelkitUnknownFields';

type StaticMessage = {
  decode(reader: Pb.Reader | Uint8Array, length?: number): object;
  encode(message: object, writer?: Pb.Writer): Pb.Writer;
};

// Field numbers each message type of onnx-proto 8.0.1 decodes (read off its decoders).
const KNOWN_FIELDS: [StaticMessage, number[]][] = [
  [onnx.ModelProto, [1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25]],
  [onnx.GraphProto, [1, 2, 5, 10, 11, 12, 13, 14, 15]],
  [onnx.NodeProto, [1, 2, 3, 4, 5, 6, 7]],
  [onnx.AttributeProto, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 20, 21, 22, 23]],
  [onnx.TensorProto, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]],
  [onnx.ValueInfoProto, [1, 2, 3]],
  [onnx.TypeProto, [1, 4, 5, 6, 8, 9]],
  [onnx.TypeProto.Tensor, [1, 2]],
  [onnx.TensorShapeProto, [1]],
  [onnx.TensorShapeProto.Dimension, [1, 2, 3]],
  [onnx.OperatorSetIdProto, [1, 2]],
  [onnx.StringStringEntryProto, [1, 2]],
  [onnx.FunctionProto, [1, 4, 5, 6, 7, 8, 9, 10]],
  [onnx.TrainingInfoProto, [1, 2, 3, 4]],
  [onnx.SparseTensorProto, [1, 2, 3]],
  [onnx.TensorAnnotation, [1, 2]],
];

const PATCHED = Symbol.for('modelkit.onnx.unknownFields');

function scanUnknown(buf: Uint8Array, start: number, end: number, known: Set<number>): UnknownField[] | undefined {
  const r = protobuf.Reader.create(buf);
  r.pos = start;
  r.len = end;
  let found: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (known.has(field)) {
      r.skipType(wireType);
      continue;
    }
    let value: UnknownField['value'];
    if (wireType === 0) value = r.uint64();
    else if (wireType === 1) value = r.fixed64();
    else if (wireType === 5) value = r.fixed32();
    else if (wireType === 2) value = r.bytes().slice();
    else {
      // Groups (wire types 3/4) are deprecated proto2 syntax no ONNX schema uses: skip them.
      r.skipType(wireType);
      continue;
    }
    (found ??= []).push({ field, wireType, value });
  }
  return found;
}

function writeUnknown(w: Pb.Writer, fields: UnknownField[]): void {
  for (const f of fields) {
    w.uint32((f.field << 3) | f.wireType);
    if (f.wireType === 0) w.uint64(f.value as Pb.Long);
    else if (f.wireType === 1) w.fixed64(f.value as Pb.Long);
    else if (f.wireType === 5) w.fixed32(f.value as number);
    else w.bytes(f.value as Uint8Array);
  }
}

/** Installs the wrappers once per process. */
export function preserveUnknownFields(): void {
  const flagHolder = onnx.ModelProto as unknown as Record<symbol, boolean>;
  if (flagHolder[PATCHED]) return;
  flagHolder[PATCHED] = true;
  for (const [type, numbers] of KNOWN_FIELDS) {
    const known = new Set(numbers);
    const decode = type.decode.bind(type);
    const encode = type.encode.bind(type);
    type.decode = (input: Pb.Reader | Uint8Array, length?: number): object => {
      const reader = input instanceof protobuf.Reader ? input : protobuf.Reader.create(input);
      const start = reader.pos;
      const end = length === undefined ? reader.len : reader.pos + length;
      const message = decode(reader, length);
      const unknown = scanUnknown(reader.buf, start, end, known);
      if (unknown) (message as Record<string, unknown>)[UNKNOWN_FIELDS] = unknown;
      return message;
    };
    type.encode = (message: object, writer?: Pb.Writer): Pb.Writer => {
      const w = encode(message, writer);
      const unknown = (message as Record<string, unknown>)[UNKNOWN_FIELDS] as UnknownField[] | undefined;
      if (unknown) writeUnknown(w, unknown);
      return w;
    };
  }
}
