/**
 * Builds the pruned model: the same topology (Keras JSON, layer names kept) with fewer
 * filters/units, and every weight sliced to the channels that stay.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import type { ChannelGraph, PruneSelection } from './channel-graph';
import { shortWeightName, weightAxes } from './layer-rules';

/** `data` (row-major, `shape`) restricted to positions `idx` of `axis`. */
function gatherAxis(data: Float32Array, shape: readonly number[], axis: number, idx: readonly number[]): { data: Float32Array; shape: number[] } {
  const outer = shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const n = shape[axis]!;
  const out = new Float32Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (o * n + idx[j]!) * inner;
      out.set(data.subarray(src, src + inner), (o * idx.length + j) * inner);
    }
  }
  const next = shape.slice();
  next[axis] = idx.length;
  return { data: out, shape: next };
}

interface JsonLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

/** Topology JSON of a functional or sequential model: its layer list. */
function jsonLayers(topology: Record<string, unknown>): JsonLayer[] {
  const config = topology.config as { layers?: JsonLayer[] } | undefined;
  if (!config || !Array.isArray(config.layers)) throw new InvalidArgumentError('the model topology has no layer list');
  return config.layers;
}

/**
 * A new model with the channels of `selection` removed; `model` (whose graph `graph` is)
 * is unchanged. Layer names, configs and the remaining weights are the original's, so with
 * only channels whose contribution is zero removed the outputs are the same.
 */
export async function applyPruning(model: tfl.LayersModel, graph: ChannelGraph, selection: PruneSelection): Promise<tfl.LayersModel> {
  if (graph.model !== model) throw new InvalidArgumentError('applyPruning: the channel graph belongs to another model');
  const kept = graph.keptChannels(selection);
  const topology = model.toJSON(null, false) as Record<string, unknown>;
  for (const entry of jsonLayers(topology)) {
    const k = kept.get(entry.config.name);
    if (!k?.out) continue;
    if (entry.class_name === 'Dense') entry.config.units = k.out.length;
    else entry.config.filters = k.out.length;
  }
  const pruned = await tfl.models.modelFromJSON({ modelTopology: topology } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0]);
  try {
    for (const app of graph.applications) {
      const source = app.layer;
      if (source.weights.length === 0) continue;
      const target = pruned.getLayer(app.name);
      const k = kept.get(app.name)!;
      const values = target.weights.map((tw) => {
        const short = shortWeightName(tw);
        const sw = source.weights.find((w) => shortWeightName(w) === short);
        if (!sw) throw new InvalidArgumentError(`pruned layer ${app.name} has a weight ${short} the original lacks`);
        const rule = weightAxes(source, short, sw.shape as number[]);
        let data = sw.read().dataSync() as Float32Array;
        let shape = sw.shape as number[];
        for (const [axis, which] of Object.entries(rule)) {
          const idx = which === 'in' ? k.in : k.out;
          if (!idx) throw new InvalidArgumentError(`layer ${app.name}: no output channels for weight ${short}`);
          if (idx.length !== shape[Number(axis)]) ({ data, shape } = gatherAxis(data, shape, Number(axis), idx));
        }
        // A fresh tensor, not a tf.gather result: the wasm backend keeps gather's internal
        // 4-D shape on the data, and its fused conv then refuses the sliced bias as rank 4.
        return tf.tensor(Float32Array.from(data), shape, 'float32');
      });
      try {
        target.setWeights(values);
      } finally {
        tf.dispose(values);
      }
    }
  } catch (err) {
    pruned.dispose();
    throw err;
  }
  return pruned;
}
