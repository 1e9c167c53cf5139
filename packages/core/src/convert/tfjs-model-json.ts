/**
 * The shape of a tfjs graph model's `model.json` (format "graph-model"), as written by
 * tensorflowjs_converter. Only the fields the converter reads are typed.
 */

/** One attribute of a TensorFlow NodeDef in proto3 JSON form. */
export interface TfjsAttrValue {
  s?: string; // base64 bytes
  i?: string | number;
  f?: number | string;
  b?: boolean;
  type?: string; // "DT_FLOAT"
  shape?: TfjsShape;
  tensor?: { dtype?: string; tensorShape?: TfjsShape };
  list?: { s?: string[]; i?: (string | number)[]; f?: (number | string)[]; b?: boolean[]; type?: string[]; shape?: TfjsShape[] };
  func?: unknown;
}

/** A TensorShapeProto in proto3 JSON form; a missing `size` means 0, "-1" means unknown. */
export interface TfjsShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

/** A node of the graph. */
export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttrValue>;
  device?: string;
}

/** One weight's entry in a weights manifest group. */
export interface TfjsWeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64' | 'uint8' | 'int64' | 'float16';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
}

/** A group of weights stored in the concatenation of `paths` (shards). */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightEntry[];
}

/** A signature entry (input or output tensor). */
export interface TfjsSignatureTensor {
  name?: string;
  dtype?: string;
  tensorShape?: TfjsShape;
}

/** The whole `model.json`. */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node?: TfjsNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest: TfjsWeightGroup[];
  signature?: { inputs?: Record<string, TfjsSignatureTensor>; outputs?: Record<string, TfjsSignatureTensor> };
  userDefinedMetadata?: Record<string, unknown>;
}
