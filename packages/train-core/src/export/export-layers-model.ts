/**
 * Export of a trained tfjs LayersModel (sequential or functional, with branches) to ONNX
 * through core's IR. The graph takes and returns tfjs' layout (NHWC images), converts
 * once to NCHW inside for onnxruntime's CPU kernels, and reproduces tfjs' element order
 * wherever it matters (Flatten, Reshape, Dense on feature maps).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  assertValidGraph, InvalidArgumentError, makeGraph, makeModel, makeValueInfo, writeOnnx,
  type OnnxGraph, type OnnxModel,
} from '@modelkit/core';
import { emitActivation } from './activations';
import { emitActivationLayer } from './activation-layers';
import { ATROUS_CONV_LAYER, emitAtrousConv } from './atrous-conv';
import { batchNormAffine, batchNormAxis, emitBatchNorm } from './batch-norm';
import { emitConvLayer } from './conv';
import { emitDense } from './dense';
import { GraphBuilder, type Value } from './graph-builder';
import { LayerInfo, type TfLayer } from './layer-info';
import { emitMerge } from './merge';
import { emitPooling } from './pooling';
import { emitShapeLayer } from './shape-layers';
import { unsupported } from './unsupported';

/** Options of {@link exportLayersModelToOnnx}. */
export interface ExportOnnxOptions {
  /** Default-domain opset, 13 to 21. Default 13 (runs on any onnxruntime since 1.8). */
  opset?: number;
  /** Graph input name(s), one per model input. Default `input` (or `input_<i>`). */
  inputName?: string | string[];
  /** Graph output names, one per model output. Default `output` (or `output_<i>`). */
  outputNames?: string[];
  /** Batch axis: `'dynamic'` (symbolic `N`, default) or a fixed size. */
  batch?: 'dynamic' | number;
  /**
   * Fold a BatchNormalization into the Conv/Dense right before it when that layer has no
   * activation and no other consumer. Default true (what inference runtimes do anyway).
   */
  foldBatchNorm?: boolean;
}

/** Layer classes {@link exportLayersModelToOnnx} maps. */
export const EXPORTABLE_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'BatchNormalization',
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
  'Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate',
  'Flatten', 'Reshape', 'Permute', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D',
  'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'AtrousConv2D',
] as const;

const CONV = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);
const POOL = new Set(['MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);
const MERGE = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate']);
const SHAPE = new Set(['Flatten', 'Reshape', 'Permute', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D']);
const ACTIVATION = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax']);
// Noise and dropout layers are the identity at inference time.
const IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

type Sym = tfl.SymbolicTensor;
type TfNode = TfLayer['inboundNodes'][number];

/** One call of a layer inside the model. */
interface Application {
  info: LayerInfo;
  inputs: Sym[];
  output: Sym;
}

function shapeOf(t: Sym): (number | null)[] {
  return t.shape.map((d) => (d === null || d === undefined ? null : d));
}

/**
 * Layer calls in dependency order, found from the model's inputs through each layer's
 * inbound nodes (a layer shared between models or called twice has several nodes; only
 * those reachable from this model's inputs are kept).
 */
function collectApplications(model: tfl.LayersModel): Application[] {
  const known = new Set<number>(model.inputs.map((t) => t.id));
  const pending: { layer: TfLayer; node: TfNode }[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of layer.inboundNodes) pending.push({ layer, node });
  }
  const apps: Application[] = [];
  let progress = true;
  while (progress && pending.length > 0) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { layer, node } = pending[i];
      if (node.inputTensors.length === 0 || !node.inputTensors.every((t) => known.has(t.id))) continue;
      if (node.outputTensors.length !== 1) throw unsupported(layer.getClassName(), layer.name, `${node.outputTensors.length} outputs`);
      apps.push({ info: new LayerInfo(layer), inputs: node.inputTensors, output: node.outputTensors[0] });
      known.add(node.outputTensors[0].id);
      pending.splice(i--, 1);
      progress = true;
    }
  }
  for (const t of model.outputs) {
    if (!known.has(t.id)) throw new InvalidArgumentError(`model output ${t.name} is not reachable from the model's inputs`);
  }
  return apps;
}

function names(given: string | string[] | undefined, count: number, base: string, what: string): string[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (given !== undefined && list.length !== count) {
    throw new InvalidArgumentError(`${what}: ${list.length} name(s) given for ${count} model ${base}(s)`, { details: { given: list } });
  }
  if (list.length > 0) return list;
  return count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}_${i}`);
}

/** Keeps only nodes and initializers the outputs depend on (folded and identity layers leave none, but shared-layer walks can). */
function pruneGraph(graph: OnnxGraph): void {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const keep: boolean[] = new Array(graph.nodes.length).fill(false);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (n.outputs.some((o) => needed.has(o))) {
      keep[i] = true;
      for (const inp of n.inputs) if (inp) needed.add(inp);
    }
  }
  graph.nodes = graph.nodes.filter((_, i) => keep[i]);
  graph.initializers = graph.initializers.filter((t) => needed.has(t.name));
}

/**
 * Converts a tfjs LayersModel to an ONNX model (core's IR; write it with `writeOnnx` or
 * run it with core's `InferenceSession`). Inputs and outputs keep tfjs' shapes and layout.
 * Weights are read from the model as it is now; the model is not changed.
 * @throws ModelError `E_UNSUPPORTED_OP` naming the layer class for a layer or setting with no mapping.
 * @throws InvalidArgumentError for bad options.
 */
export function exportLayersModelToOnnx(model: tfl.LayersModel, options: ExportOnnxOptions = {}): OnnxModel {
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new InvalidArgumentError(`opset must be an integer from 13 to 21, got ${String(opset)}`);
  const batch = options.batch ?? 'dynamic';
  if (batch !== 'dynamic' && !(Number.isInteger(batch) && batch > 0)) throw new InvalidArgumentError(`batch must be 'dynamic' or a positive integer, got ${String(batch)}`);
  const batchDim: number | string = batch === 'dynamic' ? 'N' : batch;
  const inputNames = names(options.inputName, model.inputs.length, 'input', 'inputName');
  const outputNames = names(options.outputNames, model.outputs.length, 'output', 'outputNames');
  const fold = options.foldBatchNorm ?? true;

  const g = new GraphBuilder(opset);
  for (const n of [...inputNames, ...outputNames]) g.reserve(n);
  const values = new Map<number, Value>();
  model.inputs.forEach((t, i) => values.set(t.id, { name: inputNames[i], layout: 'tf', shape: shapeOf(t) }));

  const apps = collectApplications(model);
  const consumers = new Map<number, number>();
  for (const a of apps) for (const t of a.inputs) consumers.set(t.id, (consumers.get(t.id) ?? 0) + 1);
  for (const t of model.outputs) consumers.set(t.id, (consumers.get(t.id) ?? 0) + 1);
  const folded = new Set<Application>();

  for (const app of apps) {
    if (folded.has(app)) continue;
    const { info } = app;
    const cls = info.className;
    const out = shapeOf(app.output);
    const ins = app.inputs.map((t) => values.get(t.id) as Value);
    let y: Value;
    if (CONV.has(cls) || cls === 'Dense') {
      // Fold a batch norm that is this layer's only consumer and normalises its channels.
      const activation = info.string('activation', 'linear');
      const next = apps.find((a) => a.info.className === 'BatchNormalization' && a.inputs[0].id === app.output.id);
      const canFold = fold && next !== undefined && activation === 'linear' && consumers.get(app.output.id) === 1 &&
        batchNormAxis(next.info, out.length) === out.length - 1 && (cls !== 'Dense' || out.length === 2);
      const affine = canFold && next ? batchNormAffine(next.info) : undefined;
      y = CONV.has(cls) ? emitConvLayer(g, info, ins[0], out, affine) : emitDense(g, info, ins[0], out, affine);
      const act = emitActivation(g, activation, y, `${info.name}_act`);
      if (!act) throw unsupported(cls, info.name, `activation=${activation}`);
      y = act;
      if (canFold && next) {
        folded.add(next);
        values.set(next.output.id, y);
      }
    } else if (cls === 'BatchNormalization') {
      y = emitBatchNorm(g, info, ins[0], out);
    } else if (POOL.has(cls)) {
      y = emitPooling(g, info, ins[0], out);
    } else if (MERGE.has(cls)) {
      y = emitMerge(g, info, ins, out);
    } else if (SHAPE.has(cls)) {
      y = emitShapeLayer(g, info, ins[0], out);
    } else if (ACTIVATION.has(cls)) {
      y = emitActivationLayer(g, info, ins[0]);
    } else if (IDENTITY.has(cls)) {
      y = ins[0];
    } else if (cls === ATROUS_CONV_LAYER) {
      y = emitAtrousConv(g, info, ins[0], out);
    } else {
      throw unsupported(cls, info.name);
    }
    values.set(app.output.id, { ...y, shape: out });
  }

  const withBatch = (s: (number | null)[]): (number | string | null)[] => [batchDim, ...s.slice(1)];
  const graphOutputs = model.outputs.map((t, i) => {
    const v = g.asTf(values.get(t.id) as Value);
    g.nodes.push({ name: outputNames[i], opType: 'Identity', domain: '', inputs: [v.name], outputs: [outputNames[i]], attributes: {} });
    return makeValueInfo(outputNames[i], 'float32', withBatch(shapeOf(t)));
  });
  const graph = makeGraph({
    name: model.name,
    nodes: g.nodes,
    inputs: model.inputs.map((t, i) => makeValueInfo(inputNames[i], 'float32', withBatch(shapeOf(t)))),
    outputs: graphOutputs,
    initializers: g.initializers,
  });
  pruneGraph(graph);
  assertValidGraph(graph);
  return makeModel(graph, { opsetImports: [{ domain: '', version: opset }], producerName: 'modelkit-train-core' });
}

/** Exports `model` (see {@link exportLayersModelToOnnx}) and writes it to `path` atomically. */
export async function saveOnnx(model: tfl.LayersModel, path: string, options: ExportOnnxOptions = {}): Promise<OnnxModel> {
  const onnx = exportLayersModelToOnnx(model, options);
  await writeOnnx(onnx, path);
  return onnx;
}
