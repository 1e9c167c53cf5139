/**
 * onnx-proto's message classes, loadable from both our CJS and ESM builds.
 * onnx-proto is CommonJS ending in `module.exports = $root`, so Node's ESM loader sees no
 * named exports (`import { onnx } from 'onnx-proto'` fails in the .mjs build): under ESM
 * the namespace object only has `default`.
 */
import * as onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const root = ((onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto) as typeof onnxProto;

/** @internal The `onnx` namespace of onnx-proto (message classes). */
export const onnx: typeof Onnx = root.onnx;

/** @internal Message types of onnx-proto used by the codec. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace onnx {
  type ModelProto = Onnx.ModelProto;
  type GraphProto = Onnx.GraphProto;
  type NodeProto = Onnx.NodeProto;
  type AttributeProto = Onnx.AttributeProto;
  type TensorProto = Onnx.TensorProto;
  type ValueInfoProto = Onnx.ValueInfoProto;
  type IValueInfoProto = Onnx.IValueInfoProto;
  type OperatorSetIdProto = Onnx.OperatorSetIdProto;
  type StringStringEntryProto = Onnx.StringStringEntryProto;
}

import * as protobufNs from 'protobufjs/minimal.js';

/** @internal protobufjs's minimal runtime (Reader, Writer, util.Long), the one onnx-proto uses; same ESM caveat. */
export const protobuf = ((protobufNs as unknown as { default?: typeof protobufNs }).default ?? protobufNs) as typeof protobufNs;
