/**
 * Static int8 quantization of one model, as a reusable object: calibrate once, then build
 * as many QDQ variants (different layers kept in float) as the accuracy budget needs.
 */
import { ErrorCodes, InferenceSession, InvalidArgumentError, ModelkitError, decodeOnnx, encodeOnnx, makeValueInfo, readOnnx } from '@modelkit/core';
import type { OnnxModel, SessionOptions, TensorData } from '@modelkit/core';
import { RangeCollector, outputTensors } from '../calibrate/collect-ranges';
import type { CalibrationMethod, RangeOptions } from '../calibrate/range-methods';
import { prepareForCalibration, prepareForQdq, type PrepareReport } from '../graph/prepare';
import { insertQdq } from './insert-qdq';
import { planQuantization, type QuantPlan } from './plan';
import type { TensorInfoMap } from './tensor-info';

/** Options of {@link StaticQuantizer.create}. */
export interface StaticQuantizerOptions extends RangeOptions {
  /** How ranges come from calibration histograms (default `mse`). */
  method?: CalibrationMethod;
  /** Histogram bins per side of each tensor (default 2048). */
  bins?: number;
  /** onnxruntime options of the calibration session. */
  session?: SessionOptions;
}

/** Which variant {@link StaticQuantizer.build} writes. */
export interface BuildOptions {
  /** Layer names to keep float (with their input and output tensors). */
  exclude?: Iterable<string>;
  /** Only these layers may run in int8. */
  only?: Iterable<string>;
  /** Apply the corrections of {@link StaticQuantizer.correctBias} (default true, when there are any). */
  biasCorrection?: boolean;
}

/** A layer the quantizer can run in int8. */
export interface QuantLayer {
  /** Node name (unique in the prepared graph). */
  name: string;
  opType: string;
}

/** A model source: a file path, ONNX bytes, or an IR model (copied, never modified). */
export type ModelInput = string | Uint8Array | OnnxModel;

/** Decodes a fresh, private copy of `source`. */
export async function loadModelCopy(source: ModelInput): Promise<OnnxModel> {
  if (typeof source === 'string') return readOnnx(source);
  if (source instanceof Uint8Array) return decodeOnnx(source);
  if (typeof source === 'object' && source !== null && 'graph' in source) return decodeOnnx(encodeOnnx(source));
  throw new InvalidArgumentError('expected a model path, ONNX bytes or an OnnxModel');
}

/**
 * Calibrates a model and builds static QDQ int8 versions of it.
 *
 * @example
 * const q = await StaticQuantizer.create('model.onnx', { method: 'mse' });
 * for (const feeds of calibrationFeeds) await q.add(feeds);
 * await q.finish();
 * await writeOnnx(q.build(), 'model.int8.onnx');
 */
export class StaticQuantizer {
  private collector: RangeCollector | undefined;
  private tensorInfo: TensorInfoMap | undefined;
  private runs = 0;
  private readonly corrections = new Map<string, Float32Array>();

  private constructor(
    /** The float model after the pre-quantization rewrites (the base of every variant). */
    readonly model: OnnxModel,
    /** What the rewrites did. */
    readonly prepareReport: PrepareReport,
    private readonly options: StaticQuantizerOptions,
    collector: RangeCollector,
  ) {
    this.collector = collector;
  }

  /** Prepares a copy of `source` and opens its calibration session. */
  static async create(source: ModelInput, options: StaticQuantizerOptions = {}): Promise<StaticQuantizer> {
    const model = await loadModelCopy(source);
    const report = prepareForCalibration(model);
    const collector = await RangeCollector.create(model, { bins: options.bins, session: options.session });
    return new StaticQuantizer(model, report, options, collector);
  }

  /** Calibration inputs seen so far. */
  get calibrationRuns(): number {
    return this.runs;
  }

  /** Runs one calibration input (the tensors the model's user feeds it). */
  async add(feeds: Record<string, TensorData>): Promise<void> {
    if (this.collector === undefined) throw new InvalidArgumentError('StaticQuantizer.add after finish()');
    await this.collector.add(feeds);
    this.runs++;
  }

  /**
   * Ends calibration: computes the ranges, raises the opset to 13 and makes Resize full
   * rank (both need what calibration saw), frees the calibration session.
   * @throws ModelkitError `E_NO_CALIBRATION_DATA` when no calibration input was added.
   */
  async finish(): Promise<void> {
    const collector = this.collector;
    if (collector === undefined) return;
    if (this.runs === 0) throw new ModelkitError(ErrorCodes.NO_CALIBRATION_DATA, 'StaticQuantizer.finish: no calibration input was added');
    this.tensorInfo = collector.info(this.options.method ?? 'mse', this.options, outputTensors(this.model));
    this.collector = undefined;
    await collector.release();
    prepareForQdq(this.model, this.tensorInfo, this.prepareReport);
  }

  /** Frees the calibration session without finishing (calibration abandoned). Idempotent. */
  async dispose(): Promise<void> {
    const collector = this.collector;
    this.collector = undefined;
    await collector?.release();
  }

  /** What calibration saw per tensor (after {@link finish}). */
  get info(): TensorInfoMap {
    if (this.tensorInfo === undefined) throw new InvalidArgumentError('StaticQuantizer: call finish() first');
    return this.tensorInfo;
  }

  /** The layers a full quantization runs in int8, in graph order. */
  layers(): QuantLayer[] {
    const plan = planQuantization(this.model.graph, this.info);
    return this.model.graph.nodes.filter((n) => plan.layers.has(n)).map((n) => ({ name: n.name, opType: n.opType }));
  }

  /**
   * A QDQ model with every quantizable layer in int8 except `exclude` (or, with `only`,
   * just those layers), with the bias corrections unless `biasCorrection: false`. The base
   * model is not modified.
   */
  build(options: BuildOptions = {}): OnnxModel {
    return insertQdq(this.model, this.plan(options));
  }

  /** Names of the layers {@link build} with these options runs in int8, in graph order. */
  quantizedLayers(options: BuildOptions = {}): string[] {
    const plan = this.plan(options);
    return this.model.graph.nodes.filter((n) => plan.layers.has(n)).map((n) => n.name);
  }

  private plan(options: BuildOptions): QuantPlan {
    const plan = planQuantization(this.model.graph, this.info, {
      exclude: new Set(options.exclude ?? []),
      include: options.only === undefined ? undefined : new Set(options.only),
    });
    return options.biasCorrection === false ? plan : { ...plan, biasCorrections: this.corrections };
  }

  /**
   * Empirical bias correction: quantization shifts the mean of each convolution's output
   * channels (rounded weights, clipped activations); this measures the shift on `feeds`
   * against the float model and moves it into the biases, one convolution after the other
   * in graph order, each measured with the ones before it already corrected. Later
   * {@link build}s use the corrections. Returns how many convolutions it corrected.
   */
  async correctBias(feeds: readonly Record<string, TensorData>[], options: BuildOptions & { session?: SessionOptions } = {}): Promise<number> {
    const nodes = new Map(this.model.graph.nodes.map((n) => [n.name, n]));
    const convs = this.quantizedLayers(options).filter((name) => nodes.get(name)!.opType === 'Conv');
    const floatMeans = await channelMeans(this.model, convs.map((c) => nodes.get(c)!.outputs[0]!), feeds, options.session);
    for (const name of convs) {
      const q = this.build({ ...options, biasCorrection: true });
      const out = q.graph.nodes.find((n) => n.name === name)!.outputs[0]!;
      const [qMean] = await channelMeans(q, [out], feeds, options.session);
      const fMean = floatMeans[convs.indexOf(name)]!;
      if (qMean === undefined || qMean.length !== fMean.length) continue;
      const corr = this.corrections.get(name) ?? new Float32Array(fMean.length);
      for (let c = 0; c < corr.length; c++) corr[c] = corr[c]! - (qMean[c]! - fMean[c]!);
      this.corrections.set(name, corr);
    }
    return convs.length;
  }
}

/** Per-channel (axis 1) means of `tensors` of `model` over `feeds`. */
async function channelMeans(model: OnnxModel, tensors: string[], feeds: readonly Record<string, TensorData>[], session?: SessionOptions): Promise<Float64Array[]> {
  const outputs = new Set(model.graph.outputs.map((o) => o.name));
  const extra = tensors.filter((t) => !outputs.has(t)).map((t) => makeValueInfo(t, null, null));
  const augmented: OnnxModel = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
  const s = await InferenceSession.create(encodeOnnx(augmented), { optimization: 'basic', ...session, name: 'bias correction' });
  const sums: Float64Array[] = [];
  const counts: number[] = [];
  try {
    for (const f of feeds) {
      const out = await s.run(f, tensors);
      tensors.forEach((t, k) => {
        const { data, dims } = out[t]!;
        const c = dims[1] ?? 1;
        const inner = dims.slice(2).reduce((a, b) => a * b, 1);
        const outer = dims[0] ?? 1;
        const sum = (sums[k] ??= new Float64Array(c));
        const v = data as Float32Array;
        for (let o = 0; o < outer; o++) {
          for (let ch = 0; ch < c; ch++) {
            let acc = 0;
            const base = (o * c + ch) * inner;
            for (let i = 0; i < inner; i++) acc += v[base + i]!;
            sum[ch] = sum[ch]! + acc;
          }
        }
        counts[k] = (counts[k] ?? 0) + outer * inner;
      });
    }
  } finally {
    await s.release();
  }
  return sums.map((sum, k) => sum.map((v) => v / counts[k]!));
}
