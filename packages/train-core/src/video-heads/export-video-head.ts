/**
 * ONNX export of a video head: `features` `[N, segments, features]` → `probs` `[N, labels]`
 * (sigmoid of the logits), written by the head itself from its trained weights.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertValidGraph, makeGraph, makeModel, makeValueInfo, writeOnnx, type OnnxModel } from '@modelkit/core';
import { GraphBuilder } from '../export/graph-builder';
import { headLayerOf } from './build-video-head';
import { inputDim } from './head-config';

/** Input and output names of an exported video head. */
export const VIDEO_HEAD_IO = { input: 'features', output: 'probs' } as const;

/** Exports a model built by `buildVideoHead` (opset 13; batch axis symbolic `N`). */
export function exportVideoHeadToOnnx(model: tfl.LayersModel): OnnxModel {
  const head = headLayerOf(model).head;
  const g = new GraphBuilder(13);
  g.reserve(VIDEO_HEAD_IO.input);
  g.reserve(VIDEO_HEAD_IO.output);
  const logits = headLayerOf(model).emitOnnx(g, VIDEO_HEAD_IO.input);
  g.nodes.push({ name: VIDEO_HEAD_IO.output, opType: 'Sigmoid', domain: '', inputs: [logits], outputs: [VIDEO_HEAD_IO.output], attributes: {} });
  const graph = makeGraph({
    name: `${head.kind}_head`,
    nodes: g.nodes,
    inputs: [makeValueInfo(VIDEO_HEAD_IO.input, 'float32', ['N', head.segments, inputDim(head)])],
    outputs: [makeValueInfo(VIDEO_HEAD_IO.output, 'float32', ['N', head.numClasses])],
    initializers: g.initializers,
  });
  assertValidGraph(graph);
  const onnx = makeModel(graph, { opsetImports: [{ domain: '', version: 13 }], producerName: 'modelkit-train-core' });
  onnx.metadata.push({ key: 'videotag_head', value: JSON.stringify(head) });
  return onnx;
}

/** Exports (see {@link exportVideoHeadToOnnx}) and writes atomically. */
export async function saveVideoHeadOnnx(model: tfl.LayersModel, path: string): Promise<OnnxModel> {
  const onnx = exportVideoHeadToOnnx(model);
  await writeOnnx(onnx, path);
  return onnx;
}
