/**
 * The typed ONNX IR: plain objects a caller can read and edit directly. Fields the IR
 * does not model (doc strings of attributes, sparse tensors, functions, training info,
 * fields newer than onnx-proto's schema, ...) are kept aside by the decoder and written
 * back by the encoder, so an untouched model round-trips faithfully.
 */
import type { OnnxDataType, OnnxTensorData } from './data-types';

/** A dense tensor: an initializer or a tensor-valued attribute (e.g. of a Constant node). */
export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: number[];
  /** Elements in row-major order; see {@link OnnxTensorData} for the per-type layout. */
  data: OnnxTensorData;
  /**
   * Set when the tensor's bytes live in an external file (`data_location = EXTERNAL`).
   * Such tensors are written back unchanged and `data` is empty: modelkit does not load
   * external data.
   */
  external?: Record<string, string>;
}

/** Declared type and shape of a graph input, output or intermediate value. */
export interface OnnxValueInfo {
  name: string;
  /** Element type, or `null` when the value is not a tensor (sequence, map, ...) or has no type. */
  dataType: OnnxDataType | null;
  /** Per-axis size, symbolic name, or `null` for unknown; `null` when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** Attribute kinds of ONNX (`AttributeProto.AttributeType`), lower-cased. */
export type OnnxAttributeType =
  | 'float' | 'int' | 'string' | 'tensor' | 'graph' | 'sparse_tensor' | 'type_proto'
  | 'floats' | 'ints' | 'strings' | 'tensors' | 'graphs' | 'sparse_tensors' | 'type_protos';

/** An attribute kind the IR keeps opaque (sparse tensors, type protos): written back as read. */
export interface OnnxOpaqueAttribute { readonly opaque: true; readonly type: OnnxAttributeType }

/**
 * An attribute value. Ints outside the safe-integer range (e.g. INT64_MAX in Slice) are
 * bigints; strings that are not valid UTF-8 stay bytes.
 */
export type OnnxAttributeValue =
  | number | bigint | string | Uint8Array | OnnxTensor | OnnxGraph
  | (number | bigint)[] | (string | Uint8Array)[] | OnnxTensor[] | OnnxGraph[]
  | OnnxOpaqueAttribute;

/** One operator application. */
export interface OnnxNode {
  name: string;
  opType: string;
  /** Operator domain; '' is the default ONNX domain. */
  domain: string;
  /** Input tensor names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttributeValue>;
  /**
   * Kind of each attribute. Decoded nodes have every entry; for missing entries the
   * encoder infers the kind from the value (integers -> int/ints, other numbers -> float).
   * Set it for float attributes with integral values, e.g. `{ alpha: 'float' }`.
   */
  attributeTypes?: Record<string, OnnxAttributeType>;
}

/** A computation graph (the main graph or the body of If/Loop/Scan). */
export interface OnnxGraph {
  name: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Nodes, in the order they are stored (ONNX requires topological order). */
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  valueInfo: OnnxValueInfo[];
}

/** An operator set the model uses. */
export interface OnnxOpsetImport { domain: string; version: number }

/** A whole ONNX model. */
export interface OnnxModel {
  irVersion: number;
  opsetImports: OnnxOpsetImport[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  /** `metadata_props`, in file order. */
  metadata: { key: string; value: string }[];
  graph: OnnxGraph;
}
