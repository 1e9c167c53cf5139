/**
 * Fusion of several exported heads into one ONNX model: every head reads the same
 * `features` and the output is the weighted average of their probabilities (late fusion,
 * as PaddleHub's VideoTag ensembles its sequence models).
 */
import { assertValidGraph, InvalidArgumentError, makeGraph, makeModel, makeTensor, makeValueInfo, type OnnxModel, type OnnxNode, type OnnxTensor } from '@modelkit/core';
import { VIDEO_HEAD_IO } from './export-video-head';

/** One head and its weight in the average. */
export interface WeightedHead {
  model: OnnxModel;
  weight: number;
}

function renamed(name: string, prefix: string): string {
  return name === VIDEO_HEAD_IO.input || name === '' ? name : `${prefix}/${name}`;
}

/**
 * One model whose `probs` are `Σ wᵢ·probsᵢ / Σ wᵢ`. The heads must take the same input shape
 * and predict the same number of labels.
 * @throws InvalidArgumentError for no heads, negative or all-zero weights, or mismatched shapes.
 */
export function fuseVideoHeads(heads: readonly WeightedHead[]): OnnxModel {
  if (heads.length === 0) throw new InvalidArgumentError('fuseVideoHeads: give at least one head');
  if (heads.some((h) => !(h.weight >= 0))) throw new InvalidArgumentError('fuseVideoHeads: weights must be >= 0');
  const total = heads.reduce((s, h) => s + h.weight, 0);
  if (!(total > 0)) throw new InvalidArgumentError('fuseVideoHeads: the weights add up to 0');
  const first = heads[0].model.graph;
  const inShape = JSON.stringify(first.inputs[0].shape);
  const outShape = JSON.stringify(first.outputs[0].shape);
  for (const [i, h] of heads.entries()) {
    if (JSON.stringify(h.model.graph.inputs[0].shape) !== inShape || JSON.stringify(h.model.graph.outputs[0].shape) !== outShape) {
      throw new InvalidArgumentError(`fuseVideoHeads: head ${i} has input ${JSON.stringify(h.model.graph.inputs[0].shape)} and output ${JSON.stringify(h.model.graph.outputs[0].shape)}; head 0 has ${inShape} and ${outShape}`);
    }
  }
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const scaled: string[] = [];
  for (const [i, h] of heads.entries()) {
    const prefix = `head${i}`;
    for (const n of h.model.graph.nodes) nodes.push({ ...n, name: renamed(n.name, prefix), inputs: n.inputs.map((x) => renamed(x, prefix)), outputs: n.outputs.map((x) => renamed(x, prefix)) });
    for (const t of h.model.graph.initializers) initializers.push({ ...t, name: renamed(t.name, prefix) });
    const w = `${prefix}/fusion_weight`;
    initializers.push(makeTensor(w, 'float32', [], [h.weight / total]));
    const out = `${prefix}/weighted`;
    nodes.push({ name: out, opType: 'Mul', domain: '', inputs: [renamed(VIDEO_HEAD_IO.output, prefix), w], outputs: [out], attributes: {} });
    scaled.push(out);
  }
  nodes.push({ name: VIDEO_HEAD_IO.output, opType: 'Sum', domain: '', inputs: scaled, outputs: [VIDEO_HEAD_IO.output], attributes: {} });
  const graph = makeGraph({
    name: 'fused_video_heads',
    nodes,
    inputs: [makeValueInfo(VIDEO_HEAD_IO.input, 'float32', first.inputs[0].shape)],
    outputs: [makeValueInfo(VIDEO_HEAD_IO.output, 'float32', first.outputs[0].shape)],
    initializers,
  });
  assertValidGraph(graph);
  const model = makeModel(graph, { opsetImports: [{ domain: '', version: 13 }], producerName: 'modelkit-train-core' });
  model.metadata.push({ key: 'videotag_fusion', value: JSON.stringify(heads.map((h) => h.weight / total)) });
  return model;
}
