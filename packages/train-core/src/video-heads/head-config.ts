/**
 * Configurations of the sequence heads of video tagging (stage two of PaddleHub's VideoTag):
 * a `[batch, segments, features]` sequence of per-frame features in, one logit per label
 * out (multi-label: sigmoid + binary cross-entropy).
 */
import { InvalidArgumentError } from '@modelkit/core';

/** One kind of per-frame feature, side by side in the last axis of the input (e.g. rgb 1280, objects 80). */
export interface ModalitySpec {
  name: string;
  dim: number;
}

/** What every head takes. */
export interface VideoHeadBase {
  /** Number of labels. */
  numClasses: number;
  /** Sequence length T (TSN segments). */
  segments: number;
  /** The feature blocks of the last axis, in order; their dims add up to the input size. */
  modalities: ModalitySpec[];
  /** Dropout rate before the classifier (0 = none). */
  dropout?: number;
  /** Seed of weight init and dropout. */
  seed?: number;
}

/**
 * AttentionLSTM (PaddleVideo `attention_lstm`): per modality fc+tanh embedding, a
 * bidirectional LSTM, attention pooling over time (fc → softmax over segments → weighted
 * sum); modalities concatenated → fc (relu) → fc (tanh) → logits.
 */
export interface AttentionLstmConfig extends VideoHeadBase {
  kind: 'attention-lstm';
  embeddingSize: number;
  /** Hidden size of each direction. */
  lstmSize: number;
  /** Sizes of the two fully connected layers after pooling (Paddle: 8192 relu, 4096 tanh). */
  fcSizes: [number, number];
}

/**
 * AttentionCluster (Long et al. 2018; PaddleVideo `attention_cluster`): per modality K
 * attention units, each a softmax over segments weighting the frames, with the shifting
 * operation (learned scale and shift, L2 norm, 1/√K); concatenated → fc (tanh) → fc (tanh) → logits.
 */
export interface AttentionClusterConfig extends VideoHeadBase {
  kind: 'attention-cluster';
  /** Attention units per modality (Paddle: [32, 32] for rgb and audio). */
  clusterNums: number[];
  /** Sizes of the two fully connected layers (Paddle: 1024, 4096, tanh). */
  fcSizes: [number, number];
}

/**
 * NeXtVLAD (Lin et al. 2018, 2nd YouTube-8M): expansion, grouped soft assignment to
 * clusters with per-group attention, residual aggregation, L2 norm and batch norm; then
 * fc + batch norm, SE context gating, logistic classifier.
 */
export interface NextVladConfig extends VideoHeadBase {
  kind: 'nextvlad';
  clusterSize: number;
  groups: number;
  expansion: number;
  hiddenSize: number;
  /** Context gating bottleneck: hiddenSize / gatingReduction units. */
  gatingReduction: number;
}

/** Baseline: mean over segments, then a logistic classifier (with an optional hidden layer). */
export interface MeanPoolConfig extends VideoHeadBase {
  kind: 'mean-pool';
  /** Hidden units before the classifier (0 = logistic regression on the mean). */
  hiddenSize?: number;
}

/** Any video head. */
export type VideoHeadConfig = AttentionLstmConfig | AttentionClusterConfig | NextVladConfig | MeanPoolConfig;

/** The head kinds. */
export const VIDEO_HEAD_KINDS = ['attention-lstm', 'attention-cluster', 'nextvlad', 'mean-pool'] as const;

/** Total input feature size. */
export function inputDim(c: Pick<VideoHeadBase, 'modalities'>): number {
  return c.modalities.reduce((s, m) => s + m.dim, 0);
}

function posInt(v: unknown, what: string): void {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(`video head: ${what} must be an integer >= 1, got ${String(v)}`);
}

/**
 * Checks a head configuration.
 * @throws InvalidArgumentError naming the bad field.
 */
export function checkHeadConfig(c: VideoHeadConfig): void {
  posInt(c.numClasses, 'numClasses');
  posInt(c.segments, 'segments');
  if (!Array.isArray(c.modalities) || c.modalities.length === 0) throw new InvalidArgumentError('video head: modalities must list at least one feature block');
  c.modalities.forEach((m, i) => posInt(m.dim, `modalities[${i}].dim`));
  if (c.dropout !== undefined && !(c.dropout >= 0 && c.dropout < 1)) throw new InvalidArgumentError(`video head: dropout must be in [0, 1), got ${c.dropout}`);
  switch (c.kind) {
    case 'attention-lstm':
      posInt(c.embeddingSize, 'embeddingSize');
      posInt(c.lstmSize, 'lstmSize');
      c.fcSizes.forEach((s, i) => posInt(s, `fcSizes[${i}]`));
      return;
    case 'attention-cluster':
      if (c.clusterNums.length !== c.modalities.length) {
        throw new InvalidArgumentError(`video head: clusterNums has ${c.clusterNums.length} entries for ${c.modalities.length} modalities`);
      }
      c.clusterNums.forEach((k, i) => posInt(k, `clusterNums[${i}]`));
      c.fcSizes.forEach((s, i) => posInt(s, `fcSizes[${i}]`));
      return;
    case 'nextvlad': {
      posInt(c.clusterSize, 'clusterSize');
      posInt(c.groups, 'groups');
      posInt(c.expansion, 'expansion');
      posInt(c.hiddenSize, 'hiddenSize');
      posInt(c.gatingReduction, 'gatingReduction');
      const d = inputDim(c) * c.expansion;
      if (d % c.groups !== 0) throw new InvalidArgumentError(`video head: expansion × input size (${d}) must be divisible by groups (${c.groups})`);
      if (c.hiddenSize % c.gatingReduction !== 0) throw new InvalidArgumentError(`video head: hiddenSize (${c.hiddenSize}) must be divisible by gatingReduction (${c.gatingReduction})`);
      return;
    }
    case 'mean-pool':
      if (c.hiddenSize !== undefined && c.hiddenSize !== 0) posInt(c.hiddenSize, 'hiddenSize');
      return;
    default:
      throw new InvalidArgumentError(`video head: kind must be one of ${VIDEO_HEAD_KINDS.join(', ')}, got ${String((c as { kind?: unknown }).kind)}`);
  }
}
