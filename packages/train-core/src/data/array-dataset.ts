import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import type { ImageTransform } from '../augment/float-image';
import { sizeOf, type Dataset, type Example } from './dataset';
import type { SeededRng } from './seeded-rng';

/** Options of {@link ArrayDataset}. */
export interface ArrayDatasetOptions {
  /** A tensor `[N, ...inputShape]` (copied once) or N arrays of `prod(inputShape)` values. */
  inputs: tf.Tensor | ArrayLike<number>[];
  /** Required when `inputs` are arrays. */
  inputShape?: number[];
  /** Class indices (`number[]` or a rank-1 tensor), or N target vectors (`[N, ...]` tensor or arrays). */
  targets: tf.Tensor | number[] | ArrayLike<number>[];
  /** Number of classes for index targets. Default: largest index + 1. */
  numClasses?: number;
  /** Augmentation for image inputs (`inputShape` `[H, W, C]`, values in [0, 1]). */
  transform?: ImageTransform;
}

/** A dataset held in memory. Inputs are copied out of tensors once, so the caller may dispose them. */
export class ArrayDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];
  readonly numClasses?: number;
  private readonly inputs: Float32Array;
  private readonly labels?: Int32Array;
  private readonly vectors?: Float32Array;
  private readonly transform?: ImageTransform;

  constructor(options: ArrayDatasetOptions) {
    const { inputs, targets } = options;
    if (inputs instanceof tf.Tensor) {
      this.inputShape = inputs.shape.slice(1);
      this.length = inputs.shape[0];
      this.inputs = Float32Array.from(inputs.dataSync());
    } else {
      if (!options.inputShape) throw new InvalidArgumentError('ArrayDataset: inputShape is required when inputs are arrays');
      this.inputShape = options.inputShape.slice();
      this.length = inputs.length;
      const n = sizeOf(this.inputShape);
      this.inputs = new Float32Array(this.length * n);
      inputs.forEach((row, i) => {
        if (row.length !== n) throw new InvalidArgumentError(`ArrayDataset: input ${i} has ${row.length} values, expected ${n} for shape [${this.inputShape}]`);
        this.inputs.set(row, i * n);
      });
    }
    const isIndexTensor = targets instanceof tf.Tensor && targets.rank === 1;
    const isIndexArray = Array.isArray(targets) && (targets.length === 0 || typeof targets[0] === 'number');
    if (isIndexTensor || isIndexArray) {
      const idx = isIndexTensor ? (targets as tf.Tensor).dataSync() : (targets as number[]);
      this.labels = Int32Array.from(idx);
      let max = -1;
      for (const v of this.labels) {
        if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`ArrayDataset: class index ${v} is not an integer >= 0`);
        max = Math.max(max, v);
      }
      this.numClasses = options.numClasses ?? max + 1;
      if (max >= this.numClasses) throw new InvalidArgumentError(`ArrayDataset: class index ${max} >= numClasses ${this.numClasses}`);
      this.targetShape = [this.numClasses];
    } else if (targets instanceof tf.Tensor) {
      this.targetShape = targets.shape.slice(1);
      this.vectors = Float32Array.from(targets.dataSync());
    } else {
      const rows = targets as ArrayLike<number>[];
      const n = rows[0]?.length ?? 0;
      this.targetShape = [n];
      this.vectors = new Float32Array(rows.length * n);
      rows.forEach((r, i) => this.vectors!.set(r, i * n));
    }
    const count = this.labels ? this.labels.length : this.vectors!.length / Math.max(1, sizeOf(this.targetShape));
    if (count !== this.length) throw new InvalidArgumentError(`ArrayDataset: ${this.length} inputs but ${count} targets`);
    if (options.transform && this.inputShape.length !== 3) {
      throw new InvalidArgumentError(`ArrayDataset: a transform needs image inputs [H, W, C], got [${this.inputShape}]`);
    }
    this.transform = options.transform;
  }

  get(index: number, rng: SeededRng): Example {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new InvalidArgumentError(`ArrayDataset: index ${index} out of range [0, ${this.length})`);
    }
    const n = sizeOf(this.inputShape);
    let input = this.inputs.subarray(index * n, (index + 1) * n);
    if (this.transform) {
      const [height, width, channels] = this.inputShape;
      input = this.transform({ data: input, width, height, channels }, rng).data;
    }
    if (this.labels) return { input, target: this.labels[index] };
    const t = sizeOf(this.targetShape);
    return { input, target: this.vectors!.subarray(index * t, (index + 1) * t) };
  }
}
