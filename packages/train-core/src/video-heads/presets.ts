/**
 * Head sizes: `paddle` reproduces the anchors' configurations (PaddleVideo / PaddleHub
 * VideoTag, YouTube-8M scale); `lite` is sized for CPU training on a few hundred clips
 * (the `modelkit videotag train` default). Sizes can be overridden field by field.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { ModalitySpec, VideoHeadConfig } from './head-config';

/** Preset names. */
export type VideoHeadPreset = 'paddle' | 'lite';

/** The preset names, for option lists. */
export const VIDEO_HEAD_PRESETS: readonly VideoHeadPreset[] = ['paddle', 'lite'];

/** Head kinds the presets cover. */
export type VideoHeadKind = VideoHeadConfig['kind'];

/** What a preset needs from the data. */
export interface PresetData {
  numClasses: number;
  modalities: ModalitySpec[];
  /** Sequence length; default: the preset's (paddle: 300 for LSTM and NeXtVLAD, 100 for AttentionCluster; lite: 32). */
  segments?: number;
  seed?: number;
}

/**
 * A head configuration from a preset.
 * - paddle / attention-lstm: 300 segments, fc+tanh 1024, bi-LSTM 512, fc 8192 relu, fc 4096 tanh, dropout 0.5 (videotag_tsn_lstm).
 * - paddle / attention-cluster: 100 segments, 32 attention units per modality, fc 1024 and 4096 tanh, dropout 0.5.
 * - paddle / nextvlad: 300 segments, 128 clusters, 8 groups, expansion 2, hidden 2048, gating reduction 8, dropout 0.5.
 * - paddle / mean-pool: logistic regression on the mean feature.
 * - lite: the same structures at 32 segments with widths of 64–256.
 * @throws InvalidArgumentError for an unknown kind or preset.
 */
export function videoHeadPreset(kind: VideoHeadKind, preset: VideoHeadPreset, data: PresetData): VideoHeadConfig {
  const paddle = preset === 'paddle';
  if (!paddle && preset !== 'lite') throw new InvalidArgumentError(`video head preset must be 'paddle' or 'lite', got ${String(preset)}`);
  const base = { numClasses: data.numClasses, modalities: data.modalities.map((m) => ({ ...m })), seed: data.seed ?? 0 };
  switch (kind) {
    case 'attention-lstm':
      return paddle
        ? { kind, ...base, segments: data.segments ?? 300, embeddingSize: 1024, lstmSize: 512, fcSizes: [8192, 4096], dropout: 0.5 }
        : { kind, ...base, segments: data.segments ?? 32, embeddingSize: 128, lstmSize: 64, fcSizes: [256, 128], dropout: 0.3 };
    case 'attention-cluster':
      return paddle
        ? { kind, ...base, segments: data.segments ?? 100, clusterNums: base.modalities.map(() => 32), fcSizes: [1024, 4096], dropout: 0.5 }
        : { kind, ...base, segments: data.segments ?? 32, clusterNums: base.modalities.map(() => 8), fcSizes: [256, 256], dropout: 0.3 };
    case 'nextvlad':
      return paddle
        ? { kind, ...base, segments: data.segments ?? 300, clusterSize: 128, groups: 8, expansion: 2, hiddenSize: 2048, gatingReduction: 8, dropout: 0.5 }
        : { kind, ...base, segments: data.segments ?? 32, clusterSize: 16, groups: 4, expansion: 2, hiddenSize: 256, gatingReduction: 8, dropout: 0.3 };
    case 'mean-pool':
      return { kind, ...base, segments: data.segments ?? (paddle ? 300 : 32), hiddenSize: 0, dropout: 0 };
    default:
      throw new InvalidArgumentError(`unknown video head kind ${String(kind)}`);
  }
}
