import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { warpAffine } from '../augment/warp-affine';
import type { Dataset, Example } from '../data/dataset';
import type { SeededRng } from '../data/seeded-rng';
import type { Metric } from '../metrics/metric';
import type { Teacher } from './teacher';

/** Options of {@link TeacherDataset}. */
export interface TeacherDatasetOptions {
  /**
   * Keep each image's teacher logits after the first epoch. Only right when `inner` returns
   * the same input for an index every time (no random augmentation). Default false.
   */
  cache?: boolean;
  /** Most images per onnxruntime run. Default 32. */
  maxBatch?: number;
}

interface Pending {
  input: Float32Array;
  resolve: (logits: Float32Array) => void;
  reject: (err: unknown) => void;
}

/**
 * A classification dataset whose targets carry a teacher's soft labels, for
 * {@link distillationLoss}: each example's target is `[one-hot label (C) | teacher logits (C)]`.
 * The teacher sees exactly the student's input — after its random augmentation — resized
 * (bilinear) to the teacher's own size. The DataLoader asks for a batch's examples all at
 * once, so requests made in the same turn of the event loop go to onnxruntime as one batch.
 */
export class TeacherDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];
  readonly numClasses: number;
  /** Images the teacher has run on (cache hits excluded). */
  teacherImages = 0;
  /** Whether teacher outputs are kept per image ({@link TeacherDatasetOptions.cache}). */
  readonly cached: boolean;
  private readonly cache?: Map<number, Float32Array>;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    readonly inner: Dataset,
    readonly teacher: Teacher,
    options: TeacherDatasetOptions = {},
  ) {
    const [h, w, c] = inner.inputShape;
    if (inner.inputShape.length !== 3 || c !== 3 || h === undefined || w === undefined) {
      throw new InvalidArgumentError(`TeacherDataset: inputs must be HWC RGB images, got [${inner.inputShape}]`);
    }
    const C = inner.numClasses ?? inner.targetShape[0];
    if (C !== teacher.numClasses || inner.targetShape.length !== 1 || inner.targetShape[0] !== C) {
      throw new InvalidArgumentError(`TeacherDataset: the data has targets [${inner.targetShape}], the teacher ${teacher.numClasses} classes`);
    }
    this.length = inner.length;
    this.inputShape = inner.inputShape;
    this.numClasses = C;
    this.targetShape = [2 * C];
    this.maxBatch = options.maxBatch ?? 32;
    this.cached = options.cache === true;
    if (this.cached) this.cache = new Map();
  }

  async get(index: number, rng: SeededRng): Promise<Example> {
    const ex = await this.inner.get(index, rng);
    const C = this.numClasses;
    const target = new Float32Array(2 * C);
    if (typeof ex.target === 'number') target[ex.target] = 1;
    else target.set(ex.target.subarray(0, C));
    let logits = this.cache?.get(index);
    if (!logits) {
      logits = await this.submit(this.teacherInput(ex.input));
      this.cache?.set(index, logits);
    }
    target.set(logits, C);
    return { input: ex.input, target };
  }

  /** The student's input at the teacher's size. */
  private teacherInput(input: Float32Array): Float32Array {
    const [h, w] = this.inputShape as [number, number, number];
    const { height, width } = this.teacher;
    if (h === height && w === width) return input;
    return warpAffine({ data: input, width: w, height: h, channels: 3 }, [w / width, 0, 0, 0, h / height, 0], width, height).data;
  }

  private submit(input: Float32Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // After the current turn: by then the DataLoader has asked for the whole batch.
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
    });
  }

  private async flush(): Promise<void> {
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const size = jobs[0]!.input.length;
    const x = new Float32Array(jobs.length * size);
    jobs.forEach((j, i) => x.set(j.input, i * size));
    try {
      const logits = await this.teacher.logits(x, jobs.length);
      this.teacherImages += jobs.length;
      const C = this.numClasses;
      jobs.forEach((j, i) => j.resolve(logits.slice(i * C, (i + 1) * C)));
    } catch (err) {
      for (const j of jobs) j.reject(err);
    }
  }
}

/**
 * A metric that ignores the teacher half of distillation targets: with `[labels | teacher
 * logits]` rows it sees only the labels, so training accuracy means what it means without
 * a teacher. Targets of width C pass through unchanged.
 */
export function hardTargetMetric(metric: Metric, numClasses: number): Metric {
  return {
    name: metric.name,
    reset: () => metric.reset(),
    result: () => metric.result(),
    update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
      if (yTrue.shape[yTrue.rank - 1] !== 2 * numClasses) return metric.update(yTrue, yPred);
      const hard = tf.slice(yTrue, new Array<number>(yTrue.rank).fill(0), [...yTrue.shape.slice(0, -1), numClasses]);
      try {
        metric.update(hard, yPred);
      } finally {
        hard.dispose();
      }
    },
  };
}
