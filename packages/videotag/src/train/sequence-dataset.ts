/**
 * Cached per-video features as a train-core Dataset: `[segments, features]` sequences with
 * multi-hot targets. In training each segment contributes one of its cached frames at
 * random (TSN's random frame per segment, drawn from the seeded RNG the Trainer gives each
 * sample), in validation its middle one.
 */
import type { Dataset, Example, SeededRng } from '@modelkit/train-core';
import type { VideoFeatures } from '../features/video-features';
import { headSequence } from '../heads/head-sequence';
import type { HeadModality } from '../heads/head-spec';

/** One video: its features and target. */
export interface SequenceItem {
  features: VideoFeatures;
  target: Float32Array;
}

/** Sequences built on demand from cached features. */
export class SequenceDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];

  constructor(
    private readonly items: readonly SequenceItem[],
    private readonly o: { segments: number; perSegment: number; modalities: readonly HeadModality[]; random: boolean },
  ) {
    this.length = items.length;
    this.inputShape = [o.segments, o.modalities.reduce((s, m) => s + m.dim, 0)];
    this.targetShape = [items[0]?.target.length ?? 0];
  }

  get(index: number, rng: SeededRng): Example {
    const it = this.items[index];
    const middle = Math.floor(this.o.perSegment / 2);
    const pick = this.o.random ? () => Math.floor(rng.next() * this.o.perSegment) : () => middle;
    return { input: headSequence(it.features, { ...this.o, pick }), target: it.target };
  }
}
