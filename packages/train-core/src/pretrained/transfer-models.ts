import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';

/** Layer names shared by every model of a transfer run, so weights move between them by name. */
export const HEAD_LAYER = 'predictions';

/**
 * The classifier trained on pooled frozen features: dropout, then a softmax Dense named like
 * `mobileNetV2()`'s head, so its weights move into the full model by name.
 */
export function buildFeatureHead(dim: number, numClasses: number, options: { dropout: number; seed: number }): tfl.LayersModel {
  const input = tfl.input({ shape: [dim], name: 'pooled' });
  let x = input;
  if (options.dropout > 0) x = tfl.layers.dropout({ rate: options.dropout, seed: options.seed + 1, name: 'dropout' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: numClasses, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed }), name: HEAD_LAYER })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'feature_head' });
}

/**
 * Copies the weights of every layer of `from` into the layer of the same name in `to`
 * (e.g. the trained top blocks and head into the full network for export). Layers without
 * weights are skipped; returns how many weights were copied.
 *
 * @throws InvalidArgumentError when a layer is missing in `to` or its weights differ in shape.
 */
export function copyWeightsByLayerName(from: tfl.LayersModel, to: tfl.LayersModel): number {
  let copied = 0;
  tf.tidy(() => {
    for (const layer of from.layers) {
      if (layer.weights.length === 0) continue;
      let target: tfl.layers.Layer;
      try {
        target = to.getLayer(layer.name);
      } catch (err) {
        throw new InvalidArgumentError(`copyWeightsByLayerName: the target model has no layer ${layer.name}`, { cause: err });
      }
      const src = layer.getWeights();
      const dst = target.getWeights();
      if (src.length !== dst.length || src.some((w, i) => w.shape.join() !== dst[i]!.shape.join())) {
        throw new InvalidArgumentError(`copyWeightsByLayerName: layer ${layer.name} has different weights in the two models`);
      }
      target.setWeights(src);
      copied += src.length;
    }
  });
  return copied;
}

/**
 * Keeps every batch-norm layer of `model` in inference mode even when the model runs with
 * `training: true`: normalisation uses the moving statistics (not the batch's) and leaves
 * them unchanged, while gamma and beta still train. Keras' advice for fine-tuning a
 * pretrained network on small batches; measured against training-mode statistics in the
 * README ("Pretrained backbone").
 */
export function freezeBatchNormStatistics(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
  }
}
