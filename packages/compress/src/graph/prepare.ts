/**
 * The float rewrites a model gets before calibration and quantization. Each keeps the
 * model's outputs (up to float rounding) and removes something that would stop onnxruntime
 * from fusing a quantized graph.
 */
import { constantsToInitializers, optimizeGraph } from '@modelkit/core';
import type { OnnxGraph, OnnxModel } from '@modelkit/core';
import { dropUnused } from '../quantize/insert-qdq';
import type { TensorInfoMap } from '../quantize/tensor-info';
import { foldPads } from './fold-pads';
import { resizeToFullRank } from './resize-full-rank';
import { upgradeOpset } from './upgrade-opset';

/** What {@link prepareForCalibration} and {@link prepareForQdq} changed. */
export interface PrepareReport {
  /** Per-channel affine ops folded into convolutions and hard-swish fused (core's `optimizeGraph`). */
  optimizedNodes: { before: number; after: number };
  /** Pads folded into the next Conv / MaxPool. */
  foldedPads: number;
  /** The default-domain opset before the QDQ rewrite (raised to 13 when lower). */
  opsetFrom?: number;
  opsetTo?: number;
  /** Resize nodes rewritten from `axes` to full rank. */
  fullRankResizes?: number;
}

/** Gives every node a unique, non-empty name: exclusions and reports refer to nodes by name. */
export function nameNodes(graph: OnnxGraph): void {
  const seen = new Set<string>();
  graph.nodes.forEach((node, i) => {
    let name = node.name || `${node.opType}_${i}`;
    while (seen.has(name)) name = `${name}_${i}`;
    node.name = name;
    seen.add(name);
  });
}

/**
 * In place: Constant nodes to initializers, core's `optimizeGraph` (BatchNorm-style affine
 * ops folded into convolutions, so a layer is one QLinearConv; hard-swish as
 * `x * HardSigmoid(x)`), Pads folded into their Conv/MaxPool, unique node names.
 */
export function prepareForCalibration(model: OnnxModel): PrepareReport {
  const graph = model.graph;
  constantsToInitializers(graph);
  const opt = optimizeGraph(model);
  const foldedPads = foldPads(graph);
  dropUnused(graph);
  nameNodes(graph);
  return { optimizedNodes: { before: opt.nodesBefore, after: opt.nodesAfter }, foldedPads };
}

/**
 * In place, after calibration (which tells ranks and dims): the opset raised to 13 for
 * per-axis DequantizeLinear, Resize made full rank.
 */
export function prepareForQdq(model: OnnxModel, info: TensorInfoMap, report: PrepareReport): void {
  const rankOf = (t: string): number | undefined => info.get(t)?.dims?.length;
  report.opsetFrom = upgradeOpset(model, 13, rankOf);
  report.opsetTo = Math.max(13, report.opsetFrom);
  report.fullRankResizes = resizeToFullRank(model.graph, (t) => info.get(t)?.dims);
}
