/** A {@link Dataset} of in-memory segmentation samples with joint augmentation. */
import { InvalidArgumentError } from '@modelkit/core';
import type { Dataset, Example } from '../data/dataset';
import type { SeededRng } from '../data/seeded-rng';
import {
  composeSeg, randomBlur, randomDistort, randomHorizontalFlip, randomNoise, randomPaddingCrop, randomRotation, randomScaleAspect,
  resizeSample, resizeStepScaling, type SegTransform,
} from './joint-transforms';
import type { SegSample } from './seg-sample';

/** Augmentation presets of train seg. */
export const SEG_AUGMENTS = ['none', 'standard', 'strong'] as const;
/** One of {@link SEG_AUGMENTS}. */
export type SegAugment = (typeof SEG_AUGMENTS)[number];

/**
 * The joint training transforms of a preset at crop `size` (PaddleSeg configs' usual
 * chain). `standard`: ResizeStepScaling(0.75, 1.25, 0.25) → RandomPaddingCrop(size) →
 * RandomHorizontalFlip → RandomDistort. `strong` adds RandomRotation(15),
 * RandomScaleAspect(0.5, 0.33), RandomBlur(0.1) and RandomNoise(0.5, 10).
 */
export function segAugment(preset: SegAugment, size: number): SegTransform | undefined {
  switch (preset) {
    case 'none':
      return undefined;
    case 'standard':
      return composeSeg([resizeStepScaling(), randomPaddingCrop({ cropSize: size }), randomHorizontalFlip(), randomDistort()]);
    case 'strong':
      return composeSeg([
        randomRotation(), resizeStepScaling(), randomPaddingCrop({ cropSize: size }), randomScaleAspect(), randomHorizontalFlip(),
        randomDistort(), randomBlur(), randomNoise(),
      ]);
    default:
      throw new InvalidArgumentError(`unknown augment preset ${String(preset)}; known: ${SEG_AUGMENTS.join(', ')}`);
  }
}

/**
 * Samples (any size) → model input `[size, size, 3]` as RGB/255 (the Normalize of train seg:
 * mean 0, std 1) and target `[size, size]` class indices (255 ignored by the losses). The
 * transform runs per access with the loader's per-sample RNG; whatever size it leaves is
 * stretched to `size` (image bilinear, mask nearest).
 */
export class SegDataset implements Dataset {
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];

  constructor(
    readonly samples: readonly SegSample[],
    readonly size: number,
    readonly numClasses: number,
    private readonly transform?: SegTransform,
  ) {
    this.inputShape = [size, size, 3];
    this.targetShape = [size, size];
  }

  get length(): number {
    return this.samples.length;
  }

  get(index: number, rng: SeededRng): Example {
    let s = this.samples[index]!;
    if (this.transform) s = this.transform(s, rng);
    s = resizeSample(s, this.size, this.size);
    const input = new Float32Array(s.image.length);
    for (let i = 0; i < input.length; i++) input[i] = s.image[i] / 255;
    return { input, target: Float32Array.from(s.mask) };
  }
}
