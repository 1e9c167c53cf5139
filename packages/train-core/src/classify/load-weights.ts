import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';

/** Copies checkpoint weights into `model` (same architecture, `model.weights` order). */
export function loadWeightsInto(model: tfl.LayersModel, weights: { name: string; shape: number[]; values: Float32Array }[]): void {
  const target = model.weights;
  if (target.length !== weights.length) throw new InvalidArgumentError(`checkpoint has ${weights.length} weights, the model ${target.length}`);
  tf.tidy(() =>
    target.forEach((w, i) => {
      const saved = weights[i]!;
      if (saved.shape.join() !== w.shape.join()) throw new InvalidArgumentError(`checkpoint weight ${saved.name} has shape [${saved.shape}], the model's ${w.name} [${w.shape}]`);
      w.write(tf.tensor(saved.values, saved.shape, 'float32'));
    }),
  );
}

