/** The JSON report `modelkit compress quantize` writes (and `compress report` prints). */
import type { PrepareReport } from '../graph/prepare';

/** One layer: how sensitive it is, and whether the chosen model runs it in int8. */
export interface LayerReport {
  name: string;
  opType: string;
  /** Output SQNR (dB) with only this layer in int8: lower = more sensitive. */
  sqnr: number;
  /** In the chosen model: `int8`, `float` (kept by the budget or the policy), or `-` when no int8 model was chosen. */
  chosen: 'int8' | 'float' | '-';
}

/** A candidate int8 model the budget evaluated. */
export interface CandidateReport {
  name: string;
  kind: 'static' | 'dynamic';
  /** static: `all` quantizable layers, or `dense` ones only (group-1 convolutions, MatMul, Gemm). */
  policy?: 'all' | 'dense';
  /** Layers in int8 and, of the policy's layers, kept float by the budget. */
  int8Layers: number;
  keptFloat: number;
  /** Headline metrics on the validation set (labels), or output agreement. */
  metrics: Record<string, number>;
  /** Worst metric's loss against float, in points (x100). */
  lossPoints: number;
  passed: boolean;
  /** Float ms / int8 ms, timed interleaved with 1 thread (only for candidates within the budget). */
  speedup?: number;
  fp32Ms?: number;
  int8Ms?: number;
  bytes: number;
  /** Where the candidate's model folder was kept (`keepCandidates`). */
  folder?: string;
}

/** One model of the kit. */
export interface ModelReport {
  /** The create option that selects it, e.g. `detModel`. */
  option: string;
  fp32: { id: string; path: string; sha256: string; bytes: number };
  calibrationRuns: number;
  prepare?: PrepareReport;
  layers: LayerReport[];
  candidates: CandidateReport[];
  /** The int8 model written, if one was chosen. */
  chosen?: { id: string; candidate: string; folder: string; bytes: number; speedup?: number; lossPoints: number; registered?: string };
  /** Why this choice, in a sentence. */
  decision: string;
}

/** The whole report. */
export interface CompressReport {
  tool: string;
  createdAt: string;
  kit: string;
  kitOptions: Record<string, unknown>;
  machine: { cpu: string; cores: number; loadAverage: number[]; node: string; onnxruntime?: string };
  method: string;
  maxLoss: number;
  prefer: 'speed' | 'size';
  /** `labels`: the kit's evaluator on a labelled validation set; `output-agreement`: model outputs vs float on validation inputs. */
  validation: 'labels' | 'output-agreement';
  metrics: string[];
  data: {
    calibration: { source: string; images: number; digest: string };
    validation?: { source: string; images: number };
    split: string;
  };
  /** Float metrics on the validation set. */
  baseline: Record<string, number>;
  models: ModelReport[];
  /** All chosen int8 models together. */
  final?: { metrics: Record<string, number>; lossPoints: number; models: Record<string, string> };
}
