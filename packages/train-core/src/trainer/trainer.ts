import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { emitProgress, InvalidArgumentError, type ProgressCallback } from '@modelkit/core';
import type { BatchTransform } from '../augment/mixup';
import { DataLoader } from '../data/data-loader';
import type { Dataset } from '../data/dataset';
import { SeededRng } from '../data/seeded-rng';
import type { LossFn } from '../losses/loss';
import type { Metric } from '../metrics/metric';
import { clipGradNorm } from '../optim/clip-grad-norm';
import { WeightEma, type EmaOptions } from '../optim/ema';
import type { Optimizer } from '../optim/optimizer';
import { loadCheckpoint, saveCheckpoint, type BestRecord, type CheckpointState } from './checkpoint';
import { TrainingLog, type LogRecord } from './training-log';

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** The model to train (its `apply(x, { training: true })` output goes to `lossFn`). */
  model: tfl.LayersModel;
  /** A train-core optimizer (its learning rate or schedule is part of it). */
  optimizer: Optimizer;
  lossFn: LossFn;
  /** Streaming metrics, reported on training batches and on evaluation. */
  metrics?: Metric[];
  /**
   * Where `last/` and `best/` checkpoints and `train.log.jsonl` go. Without it nothing is
   * written and `resume` is impossible.
   */
  checkpointDir?: string;
  /** Seed of shuffling and augmentation. Default 0. */
  seed?: number;
  /** Clip the global gradient norm to this value. */
  clipNorm?: number;
  /** Keep an exponential moving average of the weights and evaluate/predict with it. */
  ema?: boolean | EmaOptions;
  /** Progress events (task `train`, unit `steps`); pass `new ProgressBar(process.stderr).update` for a bar with ETA. */
  onProgress?: ProgressCallback;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  epochs: number;
  /** Samples per optimizer step (the effective batch). */
  batchSize: number;
  /**
   * Gradient accumulation: split each batch into micro-batches of at most this many
   * samples (1 ≤ `microBatchSize` ≤ `batchSize`; need not divide it). Each micro-batch
   * runs forward and backward on its own and its activations are freed before the next,
   * so peak memory is that of one micro-batch plus up to three copies of the gradients. The
   * gradients are summed, each weighted by micro-batch size / batch size, and one
   * optimizer update is applied: for a loss that is a mean over samples (all of
   * train-core's, except `focalLoss` with a `normalizer`) this equals the gradient of the
   * whole batch. The logged loss and metrics are the batch's (weighted by micro-batch
   * size). Steps, schedules, `saveInterval`, checkpoints and `resume` count optimizer
   * steps. Batch-norm layers normalize with micro-batch statistics and update their
   * moving averages once per micro-batch (the standard behaviour of accumulation; with
   * momentum μ that is μ^k per step for k micro-batches). Default: `batchSize` (no
   * accumulation).
   */
  microBatchSize?: number;
  /** Evaluated after every `evalInterval` epochs. */
  evalData?: Dataset;
  /** Epochs between evaluations. Default 1. */
  evalInterval?: number;
  /** Steps between training log lines and progress values. Default 10. */
  logInterval?: number;
  /**
   * Steps between `last/` checkpoints. `last/` is also written after every epoch and at
   * the end; default: only then.
   */
  saveInterval?: number;
  /**
   * Evaluation value that picks the `best/` checkpoint and drives early stopping, e.g.
   * `acc` or `loss`. Default `loss` when there is `evalData`.
   */
  bestMetric?: string;
  /** `max` or `min`. Default: `min` for names containing `loss`, else `max`. */
  bestMode?: 'max' | 'min';
  /** Stop when `bestMetric` has not improved by more than `minDelta` for `patience` evaluations. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** Continue from `checkpointDir/last` when it exists (fresh start otherwise). */
  resume?: boolean;
  /** Shuffle the training set every epoch. Default true. */
  shuffle?: boolean;
  dropLast?: boolean;
  /** Batch-level augmentation such as `mixup()`. */
  batchTransform?: BatchTransform;
  /** Batch size of evaluation. Default `batchSize`. */
  evalBatchSize?: number;
  /** Stops after the current step; `last/` is saved first. */
  signal?: AbortSignal;
}

/** What {@link Trainer.fit} did. */
export interface FitResult {
  /** Optimizer steps done in total (including those before a resume). */
  steps: number;
  /** Epochs completed. */
  epochs: number;
  stopReason: 'completed' | 'early-stopping' | 'aborted';
  /** Mean training loss of the last logged interval. */
  trainLoss: number;
  lastEval?: Record<string, number>;
  best?: BestRecord;
  /** Whether the run continued from a checkpoint. */
  resumed: boolean;
  /** Log records of this call (also in `train.log.jsonl`). */
  log: LogRecord[];
}

/**
 * The training loop of PaddleHub's `hub.Trainer`, for tfjs layers models: `fit` trains
 * with a custom loop (gradients by `tf.variableGrads`, our optimizers, optional global-norm
 * clipping and weight EMA), evaluates, keeps `last/` and `best/` checkpoints and a JSONL
 * log, and resumes exactly; `evaluate` and `predict` use the EMA weights when enabled.
 */
export class Trainer {
  readonly model: tfl.LayersModel;
  readonly optimizer: Optimizer;
  readonly lossFn: LossFn;
  readonly metrics: Metric[];
  readonly checkpointDir?: string;
  readonly seed: number;
  readonly clipNorm?: number;
  readonly ema?: WeightEma;
  private readonly onProgress?: ProgressCallback;

  constructor(options: TrainerOptions) {
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.lossFn = options.lossFn;
    this.metrics = options.metrics ?? [];
    this.checkpointDir = options.checkpointDir;
    this.seed = options.seed ?? 0;
    this.clipNorm = options.clipNorm;
    if (this.clipNorm !== undefined && !(this.clipNorm > 0)) throw new InvalidArgumentError(`clipNorm must be > 0, got ${this.clipNorm}`);
    if (options.ema) this.ema = new WeightEma(options.ema === true ? {} : options.ema);
    this.onProgress = options.onProgress;
  }

  /** Trains on `train`; see {@link FitOptions}. */
  async fit(train: Dataset, options: FitOptions): Promise<FitResult> {
    const { epochs, batchSize } = options;
    if (!(Number.isInteger(epochs) && epochs >= 1)) throw new InvalidArgumentError(`epochs must be an integer >= 1, got ${epochs}`);
    const microBatchSize = options.microBatchSize ?? batchSize;
    if (options.microBatchSize !== undefined && !(Number.isInteger(microBatchSize) && microBatchSize >= 1 && microBatchSize <= batchSize)) {
      throw new InvalidArgumentError(`microBatchSize must be an integer in [1, batchSize = ${batchSize}], got ${options.microBatchSize}`);
    }
    const logInterval = options.logInterval ?? 10;
    const evalInterval = options.evalInterval ?? 1;
    const bestMetric = options.bestMetric ?? (options.evalData ? 'loss' : undefined);
    const bestMode = options.bestMode ?? (bestMetric?.includes('loss') ? 'min' : 'max');
    if (options.earlyStopping && !options.evalData) throw new InvalidArgumentError('earlyStopping needs evalData');
    if (options.resume && !this.checkpointDir) throw new InvalidArgumentError('resume needs a checkpointDir');
    const loader = new DataLoader(train, { batchSize, shuffle: options.shuffle, dropLast: options.dropLast, batchTransform: options.batchTransform });
    const perEpoch = loader.batchesPerEpoch;
    const totalSteps = perEpoch * epochs;
    const log = new TrainingLog(this.checkpointDir ? join(this.checkpointDir, 'train.log.jsonl') : undefined);
    const firstRecord = log.records.length;

    const rng = new SeededRng(this.seed);
    let epoch = 0;
    let batchInEpoch = 0;
    let best: BestRecord | undefined;
    let badEvals = 0;
    let resumed = false;
    if (options.resume) {
      const ckpt = await loadCheckpoint(join(this.checkpointDir!, 'last'));
      if (ckpt) {
        this.restore(ckpt);
        rng.setState(ckpt.rngState);
        ({ epoch, batchInEpoch, best, badEvals } = ckpt);
        resumed = true;
        await log.write({ type: 'resume', step: ckpt.step, epoch, values: { batchInEpoch } });
      }
    }

    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    let step = this.optimizer.iterations;
    let stopReason: FitResult['stopReason'] = 'completed';
    let lastEval: Record<string, number> | undefined;
    let trainLoss = Number.NaN;
    let lossSum = 0;
    let lossCount = 0;
    let values: Record<string, number> = {};
    this.metrics.forEach((m) => m.reset());
    emitProgress(this.onProgress, { task: 'train', phase: 'start', done: step, total: totalSteps, unit: 'steps' });

    const save = async (dirName: string, rngState: number): Promise<void> => {
      if (!this.checkpointDir) return;
      await saveCheckpoint(join(this.checkpointDir, dirName), await this.snapshot({ epoch, batchInEpoch, rngState, best, badEvals }));
    };

    try {
      while (epoch < epochs) {
        const epochStartRng = rng.getState();
        const epochSeed = rng.nextUint32();
        let aborted = false;
        for await (const batch of loader.epoch(epochSeed, batchInEpoch)) {
          let loss: number;
          try {
            loss = this.trainStep(vars, batch.x, batch.y, microBatchSize);
          } finally {
            tf.dispose([batch.x, batch.y]);
          }
          step++;
          batchInEpoch = batch.index + 1;
          lossSum += loss;
          lossCount++;
          if (step % logInterval === 0 || batchInEpoch === perEpoch) {
            trainLoss = lossSum / lossCount;
            values = { loss: trainLoss, lr: this.optimizer.schedule(step - 1) };
            for (const m of this.metrics) Object.assign(values, m.result());
            this.metrics.forEach((m) => m.reset());
            lossSum = 0;
            lossCount = 0;
            await log.write({ type: 'train', step, epoch, values });
          }
          emitProgress(this.onProgress, { task: 'train', phase: 'progress', done: step, total: totalSteps, unit: 'steps', values, message: `epoch ${epoch + 1}/${epochs}` });
          // Mid-epoch saves store the RNG state from before this epoch's seed was drawn, so
          // a resume re-draws the same seed and skips the batches already trained.
          if (options.signal?.aborted) {
            aborted = true;
            await save('last', epochStartRng);
            break;
          }
          if (options.saveInterval && step % options.saveInterval === 0 && batchInEpoch < perEpoch) await save('last', epochStartRng);
        }
        if (aborted) {
          stopReason = 'aborted';
          break;
        }
        // From here the position is "start of the next epoch".
        epoch++;
        batchInEpoch = 0;
        const nextRng = rng.getState();
        let stop = false;
        if (options.evalData && epoch % evalInterval === 0) {
          lastEval = await this.evaluate(options.evalData, { batchSize: options.evalBatchSize ?? batchSize });
          const evalValues: Record<string, number | string> = { ...lastEval };
          if (bestMetric) {
            const v = lastEval[bestMetric];
            if (v === undefined) throw new InvalidArgumentError(`bestMetric "${bestMetric}" is not among the evaluation results (${Object.keys(lastEval).join(', ')})`);
            const delta = options.earlyStopping?.minDelta ?? 0;
            const improved = !best || (bestMode === 'max' ? v > best.value + delta : v < best.value - delta);
            if (improved) {
              best = { metric: bestMetric, value: v, epoch: epoch - 1, step };
              badEvals = 0;
              await save('best', nextRng);
            } else {
              badEvals++;
            }
            evalValues.best = best!.value;
            if (options.earlyStopping && badEvals >= options.earlyStopping.patience) stop = true;
          }
          await log.write({ type: 'eval', step, epoch: epoch - 1, values: evalValues });
          emitProgress(this.onProgress, {
            task: 'train',
            phase: 'progress',
            done: step,
            total: totalSteps,
            unit: 'steps',
            values: { ...values, ...prefixed(lastEval) },
            message: `epoch ${epoch}/${epochs} eval`,
          });
        }
        await save('last', nextRng);
        if (stop) {
          stopReason = 'early-stopping';
          break;
        }
      }
    } finally {
      emitProgress(this.onProgress, { task: 'train', phase: 'end', done: step, total: totalSteps, unit: 'steps', values, message: stopReason });
    }
    await log.write({ type: 'end', step, epoch, values: { stopReason } });
    return { steps: step, epochs: epoch, stopReason, trainLoss, lastEval, best, resumed, log: log.records.slice(firstRecord) };
  }

  /**
   * One optimizer step on a batch, accumulating the gradients of micro-batches of at most
   * `microBatchSize` samples; returns the batch's loss.
   */
  private trainStep(vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor, microBatchSize: number): number {
    const n = x.shape[0];
    let sum: tf.Tensor[] | undefined;
    let loss = 0;
    try {
      for (let start = 0; start < n; start += microBatchSize) {
        const size = Math.min(microBatchSize, n - start);
        const whole = size === n;
        const xs = whole ? x : tf.slice(x, start, size);
        const ys = whole ? y : tf.slice(y, start, size);
        try {
          const micro = this.gradients(vars, xs, ys, whole ? undefined : size / n);
          loss += micro.loss;
          if (!sum) {
            sum = micro.grads;
          } else {
            const prev = sum;
            sum = tf.tidy(() => prev.map((g, i) => tf.add(g, micro.grads[i])));
            tf.dispose([...prev, ...micro.grads]);
          }
        } finally {
          if (!whole) tf.dispose([xs, ys]);
        }
      }
      let list = sum!;
      if (this.clipNorm !== undefined) {
        const clipped = clipGradNorm(list, this.clipNorm);
        tf.dispose(list);
        list = sum = clipped.grads;
      }
      this.optimizer.applyGradients(vars, list);
      if (this.ema) this.ema.update(this.model.weights.map((w) => w.read()));
      if (!Number.isFinite(loss)) throw new InvalidArgumentError(`the loss became ${loss} at step ${this.optimizer.iterations}; lower the learning rate or clip gradients`);
      return loss;
    } finally {
      if (sum) tf.dispose(sum);
    }
  }

  /**
   * Forward and backward on one (micro-)batch: the gradients in `vars` order (the caller
   * disposes them) and the loss, both scaled by `weight` when given; updates the metrics.
   */
  private gradients(vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor, weight?: number): { loss: number; grads: tf.Tensor[] } {
    let pred: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = this.model.apply(x, { training: true }) as tf.Tensor;
      pred = tf.keep(out);
      const l = this.lossFn(y, out);
      return weight === undefined ? l : tf.mul(l, weight);
    }, vars);
    try {
      const list = vars.map((v) => grads[v.name]);
      if (list.some((g) => g === undefined)) {
        tf.dispose(Object.values(grads));
        throw new InvalidArgumentError('some trainable weights got no gradient: does the loss depend on the model output?');
      }
      for (const m of this.metrics) m.update(y, pred!);
      return { loss: value.dataSync()[0], grads: list };
    } finally {
      tf.dispose([value, pred!]);
    }
  }

  /** Mean loss and metrics over `data` (EMA weights when enabled). */
  async evaluate(data: Dataset, options: { batchSize?: number } = {}): Promise<Record<string, number>> {
    const loader = new DataLoader(data, { batchSize: options.batchSize ?? 32, shuffle: false });
    const metrics = this.metrics;
    metrics.forEach((m) => m.reset());
    let lossSum = 0;
    let count = 0;
    await this.withEvalWeights(async () => {
      for await (const batch of loader.epoch(0)) {
        try {
          const pred = this.model.apply(batch.x, { training: false }) as tf.Tensor;
          const loss = this.lossFn(batch.y, pred);
          lossSum += loss.dataSync()[0] * batch.size;
          count += batch.size;
          for (const m of metrics) m.update(batch.y, pred);
          tf.dispose([pred, loss]);
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
      }
    });
    const out: Record<string, number> = { loss: lossSum / count };
    for (const m of metrics) Object.assign(out, m.result());
    metrics.forEach((m) => m.reset());
    return out;
  }

  /** Model outputs for `inputs` `[N, ...]` in batches (EMA weights when enabled). The caller disposes the result. */
  async predict(inputs: tf.Tensor, options: { batchSize?: number } = {}): Promise<tf.Tensor> {
    const bs = options.batchSize ?? 32;
    const parts: tf.Tensor[] = [];
    await this.withEvalWeights(async () => {
      for (let i = 0; i < inputs.shape[0]; i += bs) {
        parts.push(
          tf.tidy(() => this.model.apply(tf.slice(inputs, i, Math.min(bs, inputs.shape[0] - i)), { training: false }) as tf.Tensor),
        );
      }
    });
    const out = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    return out;
  }

  /** Restores model, optimizer and EMA from a checkpoint state. */
  restore(state: CheckpointState): void {
    const weights = this.model.weights;
    if (weights.length !== state.weights.length) {
      throw new InvalidArgumentError(`checkpoint has ${state.weights.length} weights, the model ${weights.length}: a different architecture?`);
    }
    weights.forEach((w, i) => {
      const saved = state.weights[i];
      if (saved.shape.join() !== w.shape.join()) {
        throw new InvalidArgumentError(`checkpoint weight ${i} (${saved.name}) has shape [${saved.shape}], the model's ${w.name} [${w.shape}]`);
      }
    });
    tf.tidy(() => weights.forEach((w, i) => w.write(tf.tensor(state.weights[i].values, state.weights[i].shape, 'float32'))));
    this.optimizer.setState(state.optimizer);
    if (this.ema && state.ema) this.ema.setState(state.ema);
  }

  /** The full state at this point, for a checkpoint. */
  private async snapshot(pos: { epoch: number; batchInEpoch: number; rngState: number; best?: BestRecord; badEvals: number }): Promise<CheckpointState> {
    const weights = await Promise.all(
      this.model.weights.map(async (w) => ({ name: w.name, shape: w.shape.slice() as number[], values: (await w.read().data()) as Float32Array })),
    );
    return {
      step: this.optimizer.iterations,
      ...pos,
      weights,
      optimizer: await this.optimizer.getState(),
      ema: this.ema && this.ema.updates > 0 ? await this.ema.getState() : undefined,
      lr: this.optimizer.currentLr(),
    };
  }

  /** Runs `fn` with the EMA weights swapped into the model, then puts the trained ones back. */
  private async withEvalWeights(fn: () => Promise<void>): Promise<void> {
    if (!this.ema || this.ema.updates === 0) return fn();
    const weights = this.model.weights;
    const backup = weights.map((w) => tf.clone(w.read()));
    const avg = this.ema.weights();
    weights.forEach((w, i) => w.write(avg[i]));
    try {
      await fn();
    } finally {
      weights.forEach((w, i) => w.write(backup[i]));
      tf.dispose(backup);
    }
  }

  /** Frees optimizer slots and EMA weights (not the model). */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
  }
}

function prefixed(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`val_${k}`, v]));
}
