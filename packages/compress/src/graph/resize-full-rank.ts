/**
 * Rewrites opset-18 `Resize` nodes that use `axes` into the full-rank form (one scale or
 * size per input axis, no `axes`). onnxruntime's NHWC layout rewrite, which runs for
 * quantized graphs at optimisation level `all`, fails on the `axes` form (NanoDet and the
 * MediaPipe models have it); the full-rank form computes the same thing.
 */
import { makeTensor } from '@modelkit/core';
import type { OnnxGraph } from '@modelkit/core';
import { GraphIndex, intValues, intsAttr } from './graph-index';

/** Dims of a tensor as calibration saw them (`null` for an axis that varied), if known. */
export type DimsOf = (tensor: string) => readonly (number | null)[] | null | undefined;

/** Rewrites every Resize with `axes` that it can; returns how many. */
export function resizeToFullRank(graph: OnnxGraph, dimsOf: DimsOf): number {
  const index = new GraphIndex(graph);
  let done = 0;
  for (const node of graph.nodes) {
    if (node.opType !== 'Resize' || node.domain !== '' || node.attributes.axes === undefined) continue;
    const dims = dimsOf(node.inputs[0]!);
    if (!dims) continue;
    const rank = dims.length;
    const axes = intsAttr(node, 'axes', []).map((a) => (a < 0 ? a + rank : a));
    const roi = node.inputs[1];
    if (roi !== undefined && roi !== '') continue; // only tf_crop_and_resize uses it
    const scales = index.initializer(node.inputs[2]);
    const sizes = index.initializer(node.inputs[3]);
    if (sizes !== undefined) {
      // Sizes of the other axes are the input's own, which must be fixed.
      if (dims.some((d, i) => d === null && !axes.includes(i))) continue;
      const given = intValues(sizes);
      const full = dims.map((d, i) => (axes.includes(i) ? given[axes.indexOf(i)]! : d!));
      const name = index.fresh(`${sizes.name}/full_rank`);
      graph.initializers.push(makeTensor(name, 'int64', [rank], full));
      node.inputs[3] = name;
    } else if (scales !== undefined) {
      const given = Array.from(scales.data as Float32Array);
      const full = dims.map((_, i) => (axes.includes(i) ? given[axes.indexOf(i)]! : 1));
      const name = index.fresh(`${scales.name}/full_rank`);
      graph.initializers.push(makeTensor(name, 'float32', [rank], full));
      node.inputs[2] = name;
    } else {
      continue;
    }
    delete node.attributes.axes;
    if (node.attributeTypes) delete node.attributeTypes.axes;
    done++;
  }
  return done;
}
