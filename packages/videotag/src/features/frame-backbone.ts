/**
 * The frame model as a trainable tfjs layers model, for fine-tuning the backbone (the
 * shipped ONNX file is for inference). Same network and weights: nsfwjs' Keras
 * MobileNetV2 with its original uint8-quantized weights, dequantized on load.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defaultRegistry, InvalidArgumentError } from '@modelkit/core';
import { FRAME_FEATURES_TFJS_CARD, registerVideotagModels } from '../model-cards';

/** Options of {@link loadFrameBackbone}. */
export interface FrameBackboneOptions {
  /** `embedding` (default): image → 1280-d pooled features; `both`: also nsfwjs' 5-class probabilities. */
  outputs?: 'embedding' | 'both';
  /**
   * Make this layer and every later one trainable, the earlier ones frozen (e.g.
   * `block_16_expand` to fine-tune the last block). Default: the flags the weights shipped
   * with (nsfwjs froze the first layers).
   */
  trainableFrom?: string;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Loads the frame model into tfjs: input [N,224,224,3] RGB in [0,1] (the centre crop the
 * embedder uses), output the 1280-d embedding (and the 5 probabilities with `both`).
 * @throws InvalidArgumentError for an unknown `trainableFrom` layer.
 */
export async function loadFrameBackbone(options: FrameBackboneOptions = {}): Promise<tfl.LayersModel> {
  registerVideotagModels();
  const { paths } = await defaultRegistry.resolve(FRAME_FEATURES_TFJS_CARD.id);
  const json = JSON.parse(await readFile(paths['model.json'], 'utf8')) as ModelJson;
  const bin = await readFile(paths['weights.bin']);
  const full = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }),
  );
  if (options.trainableFrom !== undefined) {
    const at = full.layers.findIndex((l) => l.name === options.trainableFrom);
    if (at < 0) throw new InvalidArgumentError(`loadFrameBackbone: no layer '${options.trainableFrom}' (layers: ${full.layers.map((l) => l.name).slice(0, 6).join(', ')}, …)`);
    full.layers.forEach((l, i) => (l.trainable = i >= at));
  }
  const embedding = full.getLayer('flatten_1').output as tfl.SymbolicTensor;
  const outputs = options.outputs === 'both' ? [embedding, full.getLayer('dense_3').output as tfl.SymbolicTensor] : embedding;
  return tfl.model({ inputs: full.inputs, outputs, name: 'mobilenet_v2_nsfw' });
}
