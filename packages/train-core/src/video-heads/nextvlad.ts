/**
 * NeXtVLAD (Lin, Xiao and Fan, 2018; 2nd place in YouTube-8M 2018, PaddleVideo `nextvlad`):
 * the features are expanded ×λ and split into G groups; each group is soft-assigned to K
 * clusters (softmax over clusters, weighted by a per-group sigmoid attention) and the
 * residuals to the cluster centres are summed over segments and groups, L2-normalised and
 * batch-normalised. Then fc + batch norm, SE context gating (bottleneck hidden/r), logistic classifier.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../export/graph-builder';
import type { NextVladConfig } from './head-config';
import { inputDim } from './head-config';
import { denseLast, l2Normalize, values, VideoHeadLayer, type SeqBatchNorm } from './head-layer';

/** The NeXtVLAD head (see {@link NextVladConfig}); all modalities share one NeXtVLAD over the whole feature vector. */
export class NextVladHead extends VideoHeadLayer<NextVladConfig> {
  static className = 'ModelkitNextVladHead';
  private w!: {
    expandW: tfl.LayerVariable; expandB: tfl.LayerVariable;
    attW: tfl.LayerVariable; attB: tfl.LayerVariable;
    clusterW: tfl.LayerVariable; clusterBn: SeqBatchNorm;
    centres: tfl.LayerVariable; vladBn: SeqBatchNorm;
    hiddenW: tfl.LayerVariable; hiddenBn: SeqBatchNorm;
    gate1W: tfl.LayerVariable; gate1Bn: SeqBatchNorm;
    gate2W: tfl.LayerVariable; gate2B: tfl.LayerVariable;
    outW: tfl.LayerVariable; outB: tfl.LayerVariable;
  };

  /** Expanded size λD, group feature size λD/G. */
  private sizes(): { expanded: number; groupDim: number; vlad: number; gate: number } {
    const { expansion, groups, clusterSize, hiddenSize, gatingReduction } = this.head;
    const expanded = inputDim(this.head) * expansion;
    const groupDim = expanded / groups;
    return { expanded, groupDim, vlad: groupDim * clusterSize, gate: hiddenSize / gatingReduction };
  }

  override build(): void {
    const { groups: g, clusterSize: k, hiddenSize: h, numClasses } = this.head;
    const d = inputDim(this.head);
    const s = this.sizes();
    this.w = {
      expandW: this.weight('expand/kernel', [d, s.expanded], 'he'),
      expandB: this.weight('expand/bias', [s.expanded], 'zeros'),
      attW: this.weight('group_attention/kernel', [s.expanded, g], 'he'),
      attB: this.weight('group_attention/bias', [g], 'zeros'),
      clusterW: this.weight('cluster/kernel', [s.expanded, g * k], 'he'),
      clusterBn: this.batchNorm('cluster_bn', g * k),
      centres: this.weight('cluster_weights2', [1, s.groupDim, k], 'he'),
      vladBn: this.batchNorm('vlad_bn', s.vlad),
      hiddenW: this.weight('hidden/kernel', [s.vlad, h], 'he'),
      hiddenBn: this.batchNorm('hidden_bn', h),
      gate1W: this.weight('gating1/kernel', [h, s.gate], 'he'),
      gate1Bn: this.batchNorm('gating_bn', s.gate),
      gate2W: this.weight('gating2/kernel', [s.gate, h], 'he'),
      gate2B: this.weight('gating2/bias', [h], 'zeros'),
      outW: this.weight('logits/kernel', [h, numClasses], 'glorot'),
      outB: this.weight('logits/bias', [numClasses], 'zeros'),
    };
    this.built = true;
  }

  protected forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const w = this.w;
    const { groups: g, clusterSize: k, segments: t } = this.head;
    const s = this.sizes();
    const batch = x.shape[0];
    const xd = denseLast(x, w.expandW.read(), w.expandB.read()); // [B, T, λD]
    const att = tf.reshape(tf.sigmoid(denseLast(xd, w.attW.read(), w.attB.read())), [batch, t * g, 1]);
    const logits = w.clusterBn.apply(denseLast(xd, w.clusterW.read()), training); // [B, T, G·K]
    const assign = tf.mul(tf.softmax(tf.reshape(logits, [batch, t * g, k])), att); // [B, TG, K]
    const aSum = tf.sum(assign, 1, true); // [B, 1, K]
    const a = tf.mul(aSum, w.centres.read()); // [B, F, K]
    const groupsOf = tf.reshape(xd, [batch, t * g, s.groupDim]); // [B, TG, F]
    const vlad = tf.sub(tf.transpose(tf.matMul(assign as tf.Tensor3D, groupsOf as tf.Tensor3D, true, false), [0, 2, 1]), a); // [B, F, K]
    let y = w.vladBn.apply(tf.reshape(l2Normalize(vlad, 1), [batch, s.vlad]), training);
    y = this.dropout(y, this.head.dropout, training);
    const hidden = w.hiddenBn.apply(denseLast(y, w.hiddenW.read()), training);
    const gates = tf.sigmoid(denseLast(tf.relu(w.gate1Bn.apply(denseLast(hidden, w.gate1W.read()), training)), w.gate2W.read(), w.gate2B.read()));
    return denseLast(tf.mul(hidden, gates), w.outW.read(), w.outB.read());
  }

  emitOnnx(gb: GraphBuilder, input: string): string {
    const ops = this.ops(gb);
    const w = this.w;
    const { groups: g, clusterSize: k } = this.head;
    const s = this.sizes();
    const d = inputDim(this.head);
    const xd = ops.dense(input, values(w.expandW), [d, s.expanded], values(w.expandB), 'expand');
    const att = ops.reshape(ops.unary('Sigmoid', ops.dense(xd, values(w.attW), [s.expanded, g], values(w.attB), 'group_att'), 'group_att'), [0, -1, 1], 'group_att');
    const logits = w.clusterBn.onnx(ops, ops.dense(xd, values(w.clusterW), [s.expanded, g * k], null, 'cluster'), 'cluster_bn');
    const assign = ops.binary('Mul', ops.softmax(ops.reshape(logits, [0, -1, k], 'cluster'), 2, 'cluster'), att, 'assign');
    const a = ops.binary('Mul', ops.reduceSum(assign, [1], true, 'a_sum'), ops.const('cluster_weights2', [1, s.groupDim, k], values(w.centres)), 'a');
    const groupsOf = ops.reshape(xd, [0, -1, s.groupDim], 'groups');
    const vladKF = ops.binary('MatMul', ops.transpose(assign, [0, 2, 1], 'assign'), groupsOf, 'vlad'); // [B, K, F]
    const vlad = ops.binary('Sub', ops.transpose(vladKF, [0, 2, 1], 'vlad'), a, 'vlad'); // [B, F, K]
    const y = w.vladBn.onnx(ops, ops.reshape(ops.l2Normalize(vlad, 1, 1e-12, 'vlad_l2'), [0, -1], 'vlad_flat'), 'vlad_bn');
    const hidden = w.hiddenBn.onnx(ops, ops.dense(y, values(w.hiddenW), [s.vlad, this.head.hiddenSize], null, 'hidden'), 'hidden_bn');
    const g1 = ops.unary('Relu', w.gate1Bn.onnx(ops, ops.dense(hidden, values(w.gate1W), [this.head.hiddenSize, s.gate], null, 'gate1'), 'gate1_bn'), 'gate1');
    const gates = ops.unary('Sigmoid', ops.dense(g1, values(w.gate2W), [s.gate, this.head.hiddenSize], values(w.gate2B), 'gate2'), 'gate2');
    return ops.dense(ops.binary('Mul', hidden, gates, 'gated'), values(w.outW), [this.head.hiddenSize, this.head.numClasses], values(w.outB), 'logits');
  }
}
