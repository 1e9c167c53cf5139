/**
 * Per-layer sensitivity: each layer quantized on its own (everything else float), scored by
 * how far the model's outputs move on a few calibration inputs. The lower the SQNR, the
 * more the layer's int8 version hurts; the accuracy budget keeps the worst ones in float.
 */
import { InferenceSession, emitProgress, encodeOnnx } from '@modelkit/core';
import type { ProgressCallback, SessionOptions, TensorData } from '@modelkit/core';
import type { StaticQuantizer } from '../quantize/static-quantizer';
import { outputSqnr, type ReferenceOutputs } from './output-error';

/** One layer's sensitivity. */
export interface LayerSensitivity {
  name: string;
  opType: string;
  /** Output SQNR (dB) with only this layer in int8; lower = more sensitive. */
  sqnr: number;
}

/** Options of {@link layerSensitivity}. */
export interface SensitivityOptions {
  session?: SessionOptions;
  onProgress?: ProgressCallback;
}

/**
 * Measures every layer of `quantizer` alone. `feeds` should be a handful of calibration
 * inputs; `reference` the float model's outputs on them. Returns layers most sensitive first.
 */
export async function layerSensitivity(
  quantizer: StaticQuantizer,
  feeds: readonly Record<string, TensorData>[],
  reference: ReferenceOutputs,
  options: SensitivityOptions = {},
): Promise<LayerSensitivity[]> {
  const layers = quantizer.layers();
  const out: LayerSensitivity[] = [];
  const task = 'sensitivity';
  emitProgress(options.onProgress, { task, phase: 'start', done: 0, total: layers.length, unit: 'items' });
  for (const layer of layers) {
    const model = quantizer.build({ only: [layer.name] });
    const session = await InferenceSession.create(encodeOnnx(model), { ...options.session, name: `${layer.name} in int8` });
    try {
      const { sqnr } = await outputSqnr(session, feeds, reference);
      out.push({ ...layer, sqnr });
    } finally {
      await session.release();
    }
    emitProgress(options.onProgress, { task, phase: 'progress', done: out.length, total: layers.length, unit: 'items' });
  }
  emitProgress(options.onProgress, { task, phase: 'end', done: out.length, total: layers.length, unit: 'items' });
  return out.sort((a, b) => a.sqnr - b.sqnr);
}
