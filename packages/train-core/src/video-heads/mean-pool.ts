/** The baseline: the mean feature over segments, then logistic regression (optionally one hidden layer). */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../export/graph-builder';
import { inputDim, type MeanPoolConfig } from './head-config';
import { denseLast, values, VideoHeadLayer } from './head-layer';

/** The mean-pool logistic head (see {@link MeanPoolConfig}). */
export class MeanPoolHead extends VideoHeadLayer<MeanPoolConfig> {
  static className = 'ModelkitMeanPoolHead';
  private fc: { w: tfl.LayerVariable; b: tfl.LayerVariable }[] = [];

  override build(): void {
    const hidden = this.head.hiddenSize ?? 0;
    const sizes = [inputDim(this.head), ...(hidden > 0 ? [hidden] : []), this.head.numClasses];
    this.fc = sizes.slice(1).map((out, i) => ({
      w: this.weight(`fc${i}/kernel`, [sizes[i], out], i < sizes.length - 2 ? 'he' : 'glorot'),
      b: this.weight(`fc${i}/bias`, [out], 'zeros'),
    }));
    this.built = true;
  }

  protected forward(x: tf.Tensor, training: boolean): tf.Tensor {
    let y = this.dropout(tf.mean(x, 1), this.head.dropout, training);
    this.fc.forEach((l, i) => {
      y = denseLast(y, l.w.read(), l.b.read());
      if (i < this.fc.length - 1) y = tf.relu(y);
    });
    return y;
  }

  emitOnnx(g: GraphBuilder, input: string): string {
    const ops = this.ops(g);
    let y = ops.reduceMean(input, [1], false, 'mean');
    this.fc.forEach((l, i) => {
      y = ops.dense(y, values(l.w), [l.w.shape[0] as number, l.w.shape[1] as number], values(l.b), `fc${i}`);
      if (i < this.fc.length - 1) y = ops.unary('Relu', y, `fc${i}`);
    });
    return y;
  }
}
