import { InvalidArgumentError } from '@modelkit/core';
import { rgbToFloat, type ImageTransform } from '../augment/float-image';
import type { Dataset, Example } from '../data/dataset';
import type { SeededRng } from '../data/seeded-rng';

/**
 * Decoded, resized 8-bit images held in memory with their class labels. `train classify`
 * decodes every image once up front instead of per epoch (what the lazy
 * `ImageFolderDataset` does): at classifier sizes (64² × 3 bytes = 12 KiB an image) even
 * 10 000 images take 120 MiB, every epoch after the first skips JPEG decoding, and a
 * corrupt file is found before training starts rather than in the middle of epoch 3.
 */
export class MemoryImageDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];

  constructor(
    readonly images: readonly Uint8Array[],
    readonly labels: readonly number[],
    readonly numClasses: number,
    readonly size: number,
    private readonly transform?: ImageTransform,
  ) {
    if (images.length !== labels.length) throw new InvalidArgumentError(`MemoryImageDataset: ${images.length} images but ${labels.length} labels`);
    for (const img of images) {
      if (img.length !== size * size * 3) throw new InvalidArgumentError(`MemoryImageDataset: an image has ${img.length} bytes, expected ${size * size * 3}`);
    }
    this.length = images.length;
    this.inputShape = [size, size, 3];
    this.targetShape = [numClasses];
  }

  /** The same images with another (or no) augmentation. */
  withTransform(transform: ImageTransform | undefined): MemoryImageDataset {
    return new MemoryImageDataset(this.images, this.labels, this.numClasses, this.size, transform);
  }

  get(index: number, rng: SeededRng): Example {
    const data = this.images[index];
    if (!data) throw new InvalidArgumentError(`MemoryImageDataset: index ${index} out of range [0, ${this.length})`);
    let img = rgbToFloat({ data, width: this.size, height: this.size });
    if (this.transform) img = this.transform(img, rng);
    return { input: img.data, target: this.labels[index]! };
  }
}
