import { InvalidArgumentError } from '@modelkit/core';
import type { Dataset, Example } from '../data/dataset';
import type { SeededRng } from '../data/seeded-rng';

/**
 * Cached backbone features with class labels, as a training {@link Dataset}. With several
 * views per image (the image and its mirror), each draw picks one with the sample's seeded
 * generator: augmentation without re-running the frozen backbone.
 */
export class FeatureDataset implements Dataset {
  readonly length: number;
  readonly targetShape: readonly number[];

  /**
   * @param views `views[v][i]`: view v of example i, each `prod(inputShape)` floats.
   * @throws InvalidArgumentError when views, labels and shape disagree.
   */
  constructor(
    private readonly views: readonly (readonly Float32Array[])[],
    private readonly labels: readonly number[],
    readonly numClasses: number,
    readonly inputShape: readonly number[],
  ) {
    const n = inputShape.reduce((a, b) => a * b, 1);
    if (views.length === 0) throw new InvalidArgumentError('FeatureDataset: no views');
    for (const v of views) {
      if (v.length !== labels.length) throw new InvalidArgumentError(`FeatureDataset: a view has ${v.length} examples but there are ${labels.length} labels`);
      for (const x of v) if (x.length !== n) throw new InvalidArgumentError(`FeatureDataset: an example has ${x.length} values, expected ${n}`);
    }
    this.length = labels.length;
    this.targetShape = [numClasses];
  }

  get(index: number, rng: SeededRng): Example {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) throw new InvalidArgumentError(`FeatureDataset: index ${index} out of range [0, ${this.length})`);
    const view = this.views.length === 1 ? 0 : rng.int(0, this.views.length - 1);
    return { input: this.views[view]![index]!, target: this.labels[index]! };
  }
}
