/**
 * AttentionCluster (Long et al., CVPR 2018; PaddleVideo `attention_cluster`): per modality
 * K attention units. Unit k scores every segment (a 1×1 projection), softmaxes the scores
 * over the segments and takes the weighted sum of the features; the shifting operation
 * then applies the unit's own scale and shift, L2-normalises and divides by √K, so units
 * learn different components. Units and modalities are concatenated → fc tanh → fc tanh → logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../export/graph-builder';
import type { AttentionClusterConfig } from './head-config';
import { denseLast, l2Normalize, values, VideoHeadLayer } from './head-layer';

interface Cluster {
  scoreW: tfl.LayerVariable;
  scoreB: tfl.LayerVariable;
  shiftW: tfl.LayerVariable;
  shiftB: tfl.LayerVariable;
}

/** The AttentionCluster head (see {@link AttentionClusterConfig}). */
export class AttentionClusterHead extends VideoHeadLayer<AttentionClusterConfig> {
  static className = 'ModelkitAttentionClusterHead';
  private clusters: Cluster[] = [];
  private fc: { w: tfl.LayerVariable; b: tfl.LayerVariable }[] = [];

  override build(): void {
    const { fcSizes, numClasses, clusterNums, modalities } = this.head;
    this.clusters = modalities.map((m, i) => {
      const k = clusterNums[i];
      // Paddle draws the shift parameters from N(0, 1/√√K).
      const std = Math.sqrt(1 / Math.sqrt(k));
      return {
        scoreW: this.weight(`m${i}/score/kernel`, [m.dim, k], 'he'),
        scoreB: this.weight(`m${i}/score/bias`, [k], 'zeros'),
        shiftW: this.weight(`m${i}/shift_w`, [k, 1], { normal: std }),
        shiftB: this.weight(`m${i}/shift_b`, [k, 1], { normal: std }),
      };
    });
    const pooled = modalities.reduce((s, m, i) => s + m.dim * clusterNums[i], 0);
    const sizes = [pooled, ...fcSizes, numClasses];
    this.fc = sizes.slice(1).map((out, i) => ({
      w: this.weight(`fc${i}/kernel`, [sizes[i], out], i < fcSizes.length ? 'he' : 'glorot'),
      b: this.weight(`fc${i}/bias`, [out], 'zeros'),
    }));
    this.built = true;
  }

  protected forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const parts = this.modalities(x).map((m, i) => {
      const c = this.clusters[i];
      const k = this.head.clusterNums[i];
      const weights = tf.softmax(tf.transpose(denseLast(m, c.scoreW.read(), c.scoreB.read()), [0, 2, 1])); // [B, K, T], softmax over T
      const pooled = tf.matMul(weights as tf.Tensor3D, m as tf.Tensor3D); // [B, K, D]
      const shifted = tf.add(tf.mul(pooled, c.shiftW.read()), c.shiftB.read());
      return tf.reshape(tf.div(l2Normalize(shifted, 2), Math.sqrt(k)), [m.shape[0], -1]);
    });
    let y = this.dropout(parts.length === 1 ? parts[0] : tf.concat(parts, 1), this.head.dropout, training);
    this.fc.forEach((l, i) => {
      y = denseLast(y, l.w.read(), l.b.read());
      if (i < this.fc.length - 1) y = tf.tanh(y);
    });
    return y;
  }

  emitOnnx(g: GraphBuilder, input: string): string {
    const ops = this.ops(g);
    const parts = this.onnxModalities(ops, input).map((m, i) => {
      const c = this.clusters[i];
      const k = this.head.clusterNums[i];
      const scores = ops.dense(m, values(c.scoreW), [c.scoreW.shape[0] as number, k], values(c.scoreB), `m${i}_score`);
      const weights = ops.softmax(ops.transpose(scores, [0, 2, 1], `m${i}_score`), 2, `m${i}_att`);
      const pooled = ops.binary('MatMul', weights, m, `m${i}_pool`);
      const shifted = ops.binary('Add', ops.binary('Mul', pooled, ops.const(`m${i}_shift_w`, [k, 1], values(c.shiftW)), `m${i}_shift`), ops.const(`m${i}_shift_b`, [k, 1], values(c.shiftB)), `m${i}_shift`);
      const normed = ops.binary('Div', ops.l2Normalize(shifted, 2, 1e-12, `m${i}_l2`), ops.const(`m${i}_sqrtk`, [], [Math.sqrt(k)]), `m${i}_gnorm`);
      return ops.reshape(normed, [0, -1], `m${i}_flat`);
    });
    let y = ops.concat(parts, 1, 'clusters');
    this.fc.forEach((l, i) => {
      y = ops.dense(y, values(l.w), [l.w.shape[0] as number, l.w.shape[1] as number], values(l.b), `fc${i}`);
      if (i < this.fc.length - 1) y = ops.unary('Tanh', y, `fc${i}`);
    });
    return y;
  }
}
