/**
 * A thin, checked wrapper over onnxruntime-node's InferenceSession: plain-data tensors in
 * and out, feeds validated before running, ORT tensors disposed after every run, and run
 * time accounted so callers can report their own overhead.
 */
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ErrorCodes, InvalidArgumentError, ModelError, SessionError } from '../errors';
import { decodeOnnx, encodeOnnx, optimizeGraph, readOnnx, type OnnxModel, type OptimizeReport } from '../onnx/index';
import { checkFeed, checkNames } from './check-feeds';
import { notifyRunObservers } from './run-observers';
import type { SessionOptions, SessionStats, TensorArray, TensorData, TensorSpec } from './types';

const LOG_LEVEL = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

function toOrtOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  for (const key of ['threads', 'interOpThreads'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`session option ${key} must be a non-negative integer, got ${String(v)}`);
  }
  if (o.optimization !== undefined && !['disabled', 'basic', 'extended', 'all'].includes(o.optimization)) {
    throw new InvalidArgumentError(`session option optimization must be disabled|basic|extended|all, got ${String(o.optimization)}`);
  }
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: o.optimization ?? 'all',
    logSeverityLevel: LOG_LEVEL[o.logLevel ?? 'error'],
  };
  if (o.threads !== undefined) options.intraOpNumThreads = o.threads;
  if (o.interOpThreads !== undefined) options.interOpNumThreads = o.interOpThreads;
  if (o.spinning === false) {
    // Session config keys (onnxruntime_session_options_config_keys.h); ORT-node passes
    // `extra` through as "session.intra_op.allow_spinning" etc.
    options.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  }
  return options;
}

function specOf(m: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!m.isTensor) return { name: m.name, dataType: 'non-tensor', shape: null };
  // ORT reports an unknown axis as -1 or an empty symbol.
  const shape = m.shape.map((d) => (typeof d === 'number' ? (d >= 0 ? d : null) : d === '' ? null : d));
  return { name: m.name, dataType: m.type, shape };
}

/** A loaded model ready to run. Create with {@link InferenceSession.create}; call {@link InferenceSession.release} when done. */
export class InferenceSession {
  /** Inputs the model declares. */
  readonly inputs: TensorSpec[];
  /** Outputs the model declares. */
  readonly outputs: TensorSpec[];
  /** Label of the model in error messages (its path, or the `name` option). */
  readonly name: string;
  private session: ort.InferenceSession | null;
  private readonly counters: SessionStats;
  private readonly pending = new Set<Promise<unknown>>();
  /** What `optimize: true` rewrote (undefined when the option was off). */
  readonly optimizeReport: OptimizeReport | undefined;
  /** The options the session was created with. */
  readonly options: Readonly<SessionOptions>;

  private constructor(session: ort.InferenceSession, name: string, loadMs: number, report: OptimizeReport | undefined, options: SessionOptions) {
    this.session = session;
    this.options = Object.freeze({ ...options });
    this.name = name;
    this.optimizeReport = report;
    this.inputs = session.inputMetadata.map(specOf);
    this.outputs = session.outputMetadata.map(specOf);
    this.counters = { runs: 0, runMs: 0, loadMs };
  }

  /**
   * Loads a model from a file path, ONNX bytes, or an {@link OnnxModel}.
   * @throws ModelError `E_FILE_NOT_FOUND` for a missing file, `E_MODEL_FORMAT` when onnxruntime cannot load the model.
   */
  static async create(source: string | Uint8Array | OnnxModel, options: SessionOptions = {}): Promise<InferenceSession> {
    const ortOptions = toOrtOptions(options);
    let name: string;
    let load: () => Promise<ort.InferenceSession>;
    let report: OptimizeReport | undefined;
    if (options.optimize === true) {
      // Decode here (not in ORT) so the graph can be rewritten; a copy when given an OnnxModel.
      let model: OnnxModel;
      if (typeof source === 'string') {
        name = source;
        model = await readOnnx(source);
      } else if (source instanceof Uint8Array) {
        name = options.name ?? 'ONNX bytes';
        model = decodeOnnx(source, name);
      } else if (typeof source === 'object' && source !== null && 'graph' in source) {
        name = options.name ?? (source.graph.name || 'ONNX model');
        model = decodeOnnx(encodeOnnx(source), name);
      } else {
        throw new InvalidArgumentError('InferenceSession.create expects a file path, ONNX bytes or an OnnxModel');
      }
      report = optimizeGraph(model);
      const bytes = encodeOnnx(model);
      load = () => ort.InferenceSession.create(bytes, ortOptions);
    } else if (typeof source === 'string') {
      name = source;
      try {
        await access(source);
      } catch (err) {
        throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `model file ${source} does not exist or cannot be read`, { cause: err, details: { file: source } });
      }
      load = () => ort.InferenceSession.create(source, ortOptions);
    } else if (source instanceof Uint8Array) {
      name = options.name ?? 'ONNX bytes';
      load = () => ort.InferenceSession.create(source, ortOptions);
    } else if (typeof source === 'object' && source !== null && 'graph' in source) {
      name = options.name ?? (source.graph.name || 'ONNX model');
      const bytes = encodeOnnx(source);
      load = () => ort.InferenceSession.create(bytes, ortOptions);
    } else {
      throw new InvalidArgumentError('InferenceSession.create expects a file path, ONNX bytes or an OnnxModel');
    }
    const start = performance.now();
    let session: ort.InferenceSession;
    try {
      session = await load();
    } catch (err) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `onnxruntime cannot load ${name}: ${(err as Error).message}`, { cause: err, details: { file: name } });
    }
    return new InferenceSession(session, name, performance.now() - start, report, options);
  }

  /** Run counters (a snapshot). */
  get stats(): SessionStats {
    return { ...this.counters };
  }

  /** True after {@link release}. */
  get released(): boolean {
    return this.session === null;
  }

  /**
   * Runs the model. Feeds are checked first (names, dtypes, ranks, static dims).
   * @param outputNames - outputs to compute; default all.
   * @throws SessionError `E_TENSOR_MISMATCH` on bad feeds, `E_SESSION_RELEASED` after release.
   */
  async run(feeds: Record<string, TensorData>, outputNames?: string[]): Promise<Record<string, TensorData>> {
    const session = this.live();
    checkNames(this.name, this.inputs, this.outputs, feeds, outputNames);
    const types = this.inputs.map((spec) => checkFeed(this.name, spec, feeds[spec.name]!));
    notifyRunObservers(this.name, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    this.inputs.forEach((spec, i) => {
      const feed = feeds[spec.name]!;
      ortFeeds[spec.name] = new ort.Tensor(types[i] as ort.Tensor.Type, feed.data as ort.Tensor.DataType, feed.dims);
    });
    const job = this.runOrt(session, ortFeeds, outputNames);
    this.pending.add(job);
    try {
      return await job;
    } finally {
      this.pending.delete(job);
      for (const t of Object.values(ortFeeds)) t.dispose();
    }
  }

  private async runOrt(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, outputNames?: string[]): Promise<Record<string, TensorData>> {
    const start = performance.now();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = outputNames === undefined ? await session.run(feeds) : await session.run(feeds, outputNames);
    } catch (err) {
      throw new SessionError(ErrorCodes.TENSOR_MISMATCH, `onnxruntime rejected the inputs of ${this.name}: ${(err as Error).message}`, { cause: err, details: { model: this.name } });
    }
    this.counters.runMs += performance.now() - start;
    this.counters.runs += 1;
    const out: Record<string, TensorData> = {};
    for (const [key, value] of Object.entries(results)) {
      const tensor = value as ort.Tensor;
      // onnxruntime-node copies outputs into JS-owned buffers, so data outlives dispose().
      out[key] = { data: tensor.data as TensorArray, dims: tensor.dims.slice(), dataType: tensor.type as TensorData['dataType'] };
      tensor.dispose();
    }
    return out;
  }

  /** Frees the native session after in-flight runs finish. Safe to call more than once. */
  async release(): Promise<void> {
    const session = this.session;
    if (session === null) return;
    this.session = null;
    await Promise.allSettled([...this.pending]);
    await session.release();
  }

  private live(): ort.InferenceSession {
    if (this.session === null) throw new SessionError(ErrorCodes.SESSION_RELEASED, `session of ${this.name} was released; create a new one`, { details: { model: this.name } });
    return this.session;
  }
}
