/** Builds a trainable tfjs model for a video head configuration. */
import * as tfl from '@tensorflow/tfjs-layers';
import { AttentionClusterHead } from './attention-cluster';
import { AttentionLstmHead } from './attention-lstm';
import { checkHeadConfig, inputDim, type VideoHeadConfig } from './head-config';
import type { VideoHeadLayer } from './head-layer';
import { MeanPoolHead } from './mean-pool';
import { NextVladHead } from './nextvlad';

/** The head layer of a configuration. */
export function videoHeadLayer(config: VideoHeadConfig): VideoHeadLayer {
  checkHeadConfig(config);
  switch (config.kind) {
    case 'attention-lstm':
      return new AttentionLstmHead(config);
    case 'attention-cluster':
      return new AttentionClusterHead(config);
    case 'nextvlad':
      return new NextVladHead(config);
    case 'mean-pool':
      return new MeanPoolHead(config);
  }
}

/**
 * A tfjs model `[batch, segments, features]` → logits `[batch, numClasses]` (train it with
 * `binaryCrossEntropy({ fromLogits: true })`; the ONNX export adds the sigmoid). Weight
 * init and dropout are seeded by `config.seed`.
 * @throws InvalidArgumentError for a bad configuration.
 */
export function buildVideoHead(config: VideoHeadConfig): tfl.LayersModel {
  const layer = videoHeadLayer(config);
  const input = tfl.input({ shape: [config.segments, inputDim(config)], name: 'features' });
  const output = layer.apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: `${config.kind}_head` });
}

/** The head layer inside a model built by {@link buildVideoHead}. */
export function headLayerOf(model: tfl.LayersModel): VideoHeadLayer {
  const layer = model.layers.find((l) => typeof (l as Partial<VideoHeadLayer>).emitOnnx === 'function');
  if (!layer) throw new Error(`${model.name} was not built by buildVideoHead`);
  return layer as VideoHeadLayer;
}
