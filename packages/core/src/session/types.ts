/** Plain types of the session API: no onnxruntime types leak into modelkit's public API. */
import type { OnnxDataType } from '../onnx/index';

/** How a session runs. */
export interface SessionOptions {
  /** Threads inside one operator (onnxruntime intra-op). Default: onnxruntime's choice (all cores). */
  threads?: number;
  /** Threads across independent operators (only used by parallel execution). */
  interOpThreads?: number;
  /** Graph optimisation level; default 'all' (about 25% faster than 'basic' on PP-OCR det here). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle worker threads spin. Default true (onnxruntime's default). Turn it off when the
   * process shares its cores: spinning threads then slow everything else down.
   */
  spinning?: boolean;
  /** Minimum onnxruntime log level printed; default 'error' (its warnings are about internals). */
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /**
   * Rewrite the graph with `optimizeGraph` before loading it (fold per-channel affine ops
   * into convolutions, fuse hard-swish, ...): same outputs up to float rounding, often
   * much faster on exported CNNs (PP-OCRv4 det ~1.5x here). Default false. Costs a decode
   * and re-encode of the model at load (a few hundred ms for a 10 MB model).
   */
  optimize?: boolean;
  /** Label used in error messages when the model is given as bytes or an OnnxModel. */
  name?: string;
}

/** An input or output the model declares. */
export interface TensorSpec {
  name: string;
  /** Element type, or onnxruntime's name for a non-tensor value (e.g. 'sequence'). */
  dataType: OnnxDataType | string;
  /** Per-axis size, symbolic name, or null when unknown; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** Typed arrays a tensor's data can be; 16-bit floats travel as Uint16Array bit patterns, bool as Uint8Array. */
export type TensorArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

/** A tensor as plain data. */
export interface TensorData {
  data: TensorArray;
  dims: readonly number[];
  /** Needed only where the array class is ambiguous: 'bool' (Uint8Array) or 'float16' (Uint16Array). */
  dataType?: OnnxDataType;
}

/** Counters of a session, for overhead reporting. */
export interface SessionStats {
  /** Completed runs. */
  runs: number;
  /** Cumulative wall-clock ms spent inside onnxruntime's run (excludes our checks and conversions). */
  runMs: number;
  /** Ms spent creating the onnxruntime session. */
  loadMs: number;
}
