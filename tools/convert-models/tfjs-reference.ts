/**
 * Runs a tfjs graph model with tfjs itself (wasm backend, or cpu), as the reference the
 * converted ONNX model is compared against. Used by the parity script only.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

/** Selects the tfjs backend ('wasm' or 'cpu'). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
}

/** Loads a tfjs graph model from local files (no fetch). */
export async function loadLocalGraphModel(modelJsonPath: string): Promise<tfconv.GraphModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(join(dirname(modelJsonPath), p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tfconv.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  });
}

/** Runs the model on one float32 input; returns every named output as plain data. */
export async function runTfjs(model: tfconv.GraphModel, input: Float32Array, shape: number[], outputNames: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const x = tf.tensor(input, shape, 'float32');
  const names = outputNames.map((n) => (n.includes(':') ? n : `${n}:0`));
  const raw = await model.executeAsync(x, names);
  const outs = Array.isArray(raw) ? raw : [raw];
  const result: Record<string, { data: Float32Array; dims: number[] }> = {};
  outputNames.forEach((n, i) => {
    result[n] = { data: outs[i].dataSync() as Float32Array, dims: outs[i].shape };
  });
  tf.dispose([x, ...outs]);
  return result;
}
