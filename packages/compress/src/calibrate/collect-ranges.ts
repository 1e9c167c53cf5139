/**
 * Calibration: runs a model on representative inputs with every intermediate tensor made
 * a graph output, and streams each float tensor into a histogram. Memory stays that of one
 * run plus 2 x bins counters per tensor, however many inputs pass through.
 */
import { InferenceSession, encodeOnnx, makeValueInfo } from '@modelkit/core';
import type { OnnxModel, OnnxNode, SessionOptions, TensorData } from '@modelkit/core';
import type { TensorInfo } from '../quantize/tensor-info';
import { TensorHistogram } from './histogram';
import { computeRange, type CalibrationMethod, type RangeOptions } from './range-methods';

/** A tensor's calibration record. */
interface Watched {
  dataType: string;
  dims: (number | null)[] | null;
  histogram?: TensorHistogram;
}

/** Options of {@link RangeCollector.create}. */
export interface CollectorOptions {
  /** Histogram bins per side and tensor (default 2048). */
  bins?: number;
  /** onnxruntime options of the calibration session (default: 1 thread per core is fine; optimisation `basic`). */
  session?: SessionOptions;
}

/** The tensors calibration watches: graph inputs and every node output. */
function watchedNames(model: OnnxModel): string[] {
  const names = new Set<string>();
  for (const i of model.graph.inputs) names.add(i.name);
  const inits = new Set(model.graph.initializers.map((t) => t.name));
  for (const n of model.graph.nodes) for (const o of n.outputs) if (o !== '' && !inits.has(o)) names.add(o);
  return [...names];
}

/** Streams calibration runs into per-tensor histograms. Create with {@link RangeCollector.create}. */
export class RangeCollector {
  private readonly watched = new Map<string, Watched>();
  /** Calibration inputs seen. */
  runs = 0;

  private constructor(
    private readonly session: InferenceSession,
    private readonly inputNames: Set<string>,
    private readonly bins: number,
  ) {}

  /** Opens a calibration session on a copy of `model` whose outputs are all its tensors. */
  static async create(model: OnnxModel, options: CollectorOptions = {}): Promise<RangeCollector> {
    const names = watchedNames(model);
    const outputs = new Set(model.graph.outputs.map((o) => o.name));
    const inputNames = new Set(model.graph.inputs.map((i) => i.name));
    const extra = names.filter((n) => !outputs.has(n) && !inputNames.has(n)).map((n) => makeValueInfo(n, null, null));
    const augmented: OnnxModel = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
    // 'basic' keeps every tensor as written (no fusions that could change an output's values).
    const session = await InferenceSession.create(encodeOnnx(augmented), { optimization: 'basic', ...options.session, name: 'calibration model' });
    return new RangeCollector(session, inputNames, options.bins ?? 2048);
  }

  /** Runs one calibration input and adds every float tensor to its histogram. */
  async add(feeds: Record<string, TensorData>): Promise<void> {
    const out = await this.session.run(feeds);
    for (const [name, t] of Object.entries(feeds)) if (this.inputNames.has(name)) this.record(name, t);
    for (const [name, t] of Object.entries(out)) this.record(name, t);
    this.runs++;
  }

  private record(name: string, t: TensorData): void {
    const dataType = t.dataType ?? (t.data instanceof Float32Array ? 'float32' : 'other');
    let w = this.watched.get(name);
    if (w === undefined) {
      w = { dataType, dims: [...t.dims] };
      if (dataType === 'float32') w.histogram = new TensorHistogram(this.bins);
      this.watched.set(name, w);
    } else if (w.dims !== null) {
      w.dims = w.dims.length === t.dims.length ? w.dims.map((d, i) => (d === t.dims[i] ? d : null)) : null;
    }
    w.histogram?.add(t.data as Float32Array);
  }

  /**
   * What calibration saw, with ranges computed by `method`; tensors in `fullRange` (the
   * model's outputs, see `outputTensors`) keep their whole min/max range.
   */
  info(method: CalibrationMethod, options: RangeOptions = {}, fullRange: ReadonlySet<string> = new Set()): Map<string, TensorInfo> {
    const info = new Map<string, TensorInfo>();
    for (const [name, w] of this.watched) {
      const entry: TensorInfo = { dataType: w.dataType, dims: w.dims };
      if (w.histogram !== undefined && w.histogram.count > 0) entry.range = computeRange(w.histogram, fullRange.has(name) ? 'minmax' : method, options);
      info.set(name, entry);
    }
    return info;
  }

  /** Histograms by tensor name (for reports and tests). */
  histograms(): Map<string, TensorHistogram> {
    const out = new Map<string, TensorHistogram>();
    for (const [name, w] of this.watched) if (w.histogram) out.set(name, w.histogram);
    return out;
  }

  /** Frees the calibration session. */
  release(): Promise<void> {
    return this.session.release();
  }
}

/** Ops a model's output is read through without changing any value (only where it sits). */
const OUTPUT_PATH = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Split']);

/**
 * The graph's outputs and the tensors that reach them only through reshaping and
 * splitting: what post-processing reads. Their rare extreme values are the ones that
 * matter (the best detection scores, the largest box distances), so clipping range methods
 * must not cut them: calibration gives them min/max ranges. (Going further back, through a
 * Sigmoid to its logits, was tried: PP-OCRv4 det's DB map lost 1 point of end-to-end hmean,
 * since its threshold needs resolution near 0.3, not at the extremes.)
 */
export function outputTensors(model: OnnxModel): Set<string> {
  const graph = model.graph;
  const inits = new Set(graph.initializers.map((t) => t.name));
  const out = new Set(graph.outputs.map((o) => o.name));
  const passes = (n: OnnxNode): boolean => OUTPUT_PATH.has(n.opType);
  const readers = new Map<string, OnnxNode[]>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of graph.nodes) {
      const x = n.inputs[0];
      if (x === undefined || out.has(x) || inits.has(x) || !passes(n) || !n.outputs.some((o) => out.has(o))) continue;
      if ((readers.get(x) ?? []).every((m) => passes(m) && m.outputs.some((o) => out.has(o)))) {
        out.add(x);
        changed = true;
      }
    }
  }
  return out;
}
