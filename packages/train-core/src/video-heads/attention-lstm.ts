/**
 * AttentionLSTM, the sequence model of PaddleHub's `videotag_tsn_lstm`: per modality an
 * fc+tanh embedding, a bidirectional LSTM, and attention pooling (a linear score per step,
 * softmax over the segments, weighted sum); then fc relu → fc tanh → logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../export/graph-builder';
import type { AttentionLstmConfig } from './head-config';
import { denseLast, values, VideoHeadLayer } from './head-layer';
import { biLstm, emitBiLstm, type LstmWeights } from './lstm';

interface Branch {
  embedW: tfl.LayerVariable;
  embedB: tfl.LayerVariable;
  forward: LstmWeights;
  backward: LstmWeights;
  attW: tfl.LayerVariable;
  attB: tfl.LayerVariable;
}

/** The AttentionLSTM head (see {@link AttentionLstmConfig}). */
export class AttentionLstmHead extends VideoHeadLayer<AttentionLstmConfig> {
  static className = 'ModelkitAttentionLstmHead';
  private branches: Branch[] = [];
  private fc: { w: tfl.LayerVariable; b: tfl.LayerVariable }[] = [];

  override build(): void {
    const { embeddingSize: e, lstmSize: h, fcSizes, numClasses } = this.head;
    const lstm = (name: string): LstmWeights => ({
      kernel: this.weight(`${name}/kernel`, [e, 4 * h], 'glorot'),
      recurrent: this.weight(`${name}/recurrent_kernel`, [h, 4 * h], 'glorot'),
      // Forget gate bias 1 (Keras' unit_forget_bias): gradients flow through long sequences from the start.
      bias: this.weight(`${name}/bias`, [4 * h], { forgetBias: h }),
    });
    this.branches = this.head.modalities.map((m, i) => ({
      embedW: this.weight(`m${i}/embed/kernel`, [m.dim, e], 'glorot'),
      embedB: this.weight(`m${i}/embed/bias`, [e], 'zeros'),
      forward: lstm(`m${i}/lstm_fw`),
      backward: lstm(`m${i}/lstm_bw`),
      attW: this.weight(`m${i}/attention/kernel`, [2 * h, 1], 'glorot'),
      attB: this.weight(`m${i}/attention/bias`, [1], 'zeros'),
    }));
    const sizes = [this.head.modalities.length * 2 * h, ...fcSizes, numClasses];
    this.fc = sizes.slice(1).map((out, i) => ({
      w: this.weight(`fc${i}/kernel`, [sizes[i], out], i < fcSizes.length ? 'he' : 'glorot'),
      b: this.weight(`fc${i}/bias`, [out], 'zeros'),
    }));
    this.built = true;
  }

  protected forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const pooled = this.modalities(x).map((m, i) => {
      const br = this.branches[i];
      const emb = tf.tanh(denseLast(m, br.embedW.read(), br.embedB.read()));
      const seq = this.dropout(biLstm(emb, br.forward, br.backward), this.head.dropout, training);
      const weights = tf.softmax(tf.squeeze(denseLast(seq, br.attW.read(), br.attB.read()), [2]), 1); // [B, T]
      return tf.sum(tf.mul(seq, tf.expandDims(weights, 2)), 1);
    });
    let y = pooled.length === 1 ? pooled[0] : tf.concat(pooled, 1);
    this.fc.forEach((l, i) => {
      y = denseLast(y, l.w.read(), l.b.read());
      if (i === 0) y = tf.relu(y);
      else if (i < this.fc.length - 1) y = tf.tanh(y);
    });
    return y;
  }

  emitOnnx(g: GraphBuilder, input: string): string {
    const ops = this.ops(g);
    const pooled = this.onnxModalities(ops, input).map((m, i) => {
      const br = this.branches[i];
      const e = br.embedW.shape[1] as number;
      const emb = ops.unary('Tanh', ops.dense(m, values(br.embedW), [br.embedW.shape[0] as number, e], values(br.embedB), `m${i}_embed`), `m${i}_embed`);
      const seq = emitBiLstm(ops, emb, br.forward, br.backward, `m${i}_lstm`);
      const scores = ops.dense(seq, values(br.attW), [br.attW.shape[0] as number, 1], values(br.attB), `m${i}_att`); // [B, T, 1]
      const weights = ops.softmax(scores, 1, `m${i}_att`);
      return ops.reduceSum(ops.binary('Mul', seq, weights, `m${i}_pool`), [1], false, `m${i}_pool`);
    });
    let y = ops.concat(pooled, 1, 'pooled');
    this.fc.forEach((l, i) => {
      y = ops.dense(y, values(l.w), [l.w.shape[0] as number, l.w.shape[1] as number], values(l.b), `fc${i}`);
      if (i === 0) y = ops.unary('Relu', y, `fc${i}`);
      else if (i < this.fc.length - 1) y = ops.unary('Tanh', y, `fc${i}`);
    });
    return y;
  }
}
