import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@modelkit/core';
import { constantLr, type LrSchedule } from '../schedules/lr-schedule';

/** One optimizer slot tensor (momentum, Adam moments) as plain data, for checkpoints. */
export interface SlotState {
  /** Index of the weight in the list the optimizer updates. */
  index: number;
  /** Slot name within the optimizer, e.g. `m`, `v`, `momentum`. */
  slot: string;
  shape: number[];
  values: Float32Array;
}

/** The whole state of an optimizer, enough to continue bit-identically after a restart. */
export interface OptimizerState {
  kind: string;
  config: Record<string, number | boolean>;
  /** Number of updates applied so far (Adam's bias-correction step). */
  iterations: number;
  slots: SlotState[];
}

/** Which weights get weight decay; default: rank ≥ 2 (kernels), not biases or norm scales. */
export type DecayFilter = (variable: tf.Variable, index: number) => boolean;

/** @internal */
export const defaultDecayFilter: DecayFilter = (v) => v.rank >= 2;

/**
 * Per-weight multipliers of the learning rate and of the weight decay: fine-tuning trains a
 * pretrained backbone slower (and pulls it less towards zero) than a freshly initialised head.
 * Omitted scales are 1.
 */
export type ParamGroups = (variable: tf.Variable, index: number) => { lrScale?: number; decayScale?: number };

/**
 * Base of train-core's optimizers. They are our own rather than `tf.train.*` because
 * tfjs' optimizers keep their slots keyed by variable name (which changes when a model
 * is rebuilt in another process) and save them only through `tf.io` handlers; ours expose
 * their state as plain arrays indexed by weight position, so a checkpoint restores it
 * exactly. Weights are matched to slots by their position in the list passed to
 * {@link applyGradients}, which must therefore stay the same across calls.
 */
export abstract class Optimizer {
  /** Stable name of the algorithm, stored in checkpoints. */
  abstract readonly kind: string;
  /**
   * Number of {@link applyGradients} calls so far; also the position in the learning-rate
   * schedule, so restoring it restores the schedule.
   */
  iterations = 0;
  /** The learning rate as a function of {@link iterations}. */
  readonly schedule: LrSchedule;
  private readonly slots = new Map<string, tf.Variable>();
  private readonly groups?: ParamGroups;

  constructor(learningRate: number | LrSchedule, paramGroups?: ParamGroups) {
    this.schedule = typeof learningRate === 'function' ? learningRate : constantLr(learningRate);
    this.groups = paramGroups;
  }

  /** The weight decay multiplier of weight `index` ({@link ParamGroups}; 1 without groups). */
  protected decayScale(variable: tf.Variable, index: number): number {
    return this.groups?.(variable, index).decayScale ?? 1;
  }

  /** The learning rate the next update uses. */
  currentLr(): number {
    return this.schedule(this.iterations);
  }

  /** The hyper-parameters, stored in checkpoints to catch a resume with another optimizer. */
  abstract config(): Record<string, number | boolean>;

  /** Computes the new value of weight `index` (inside a tidy). */
  protected abstract update(variable: tf.Variable, grad: tf.Tensor, index: number, lr: number): tf.Tensor;

  /**
   * Applies one update to `variables` from `grads` (same order), with the schedule's rate
   * at the current iteration unless `lr` is given.
   */
  applyGradients(variables: tf.Variable[], grads: tf.Tensor[], lr = this.currentLr()): void {
    if (variables.length !== grads.length) {
      throw new InvalidArgumentError(`applyGradients: ${variables.length} variables but ${grads.length} gradients`);
    }
    if (!Number.isFinite(lr)) throw new InvalidArgumentError(`applyGradients: learning rate must be finite, got ${lr}`);
    this.iterations++;
    for (let i = 0; i < variables.length; i++) {
      const scale = this.groups?.(variables[i], i).lrScale ?? 1;
      tf.tidy(() => {
        variables[i].assign(this.update(variables[i], grads[i], i, lr * scale));
      });
    }
  }

  /** The slot `name` of weight `index`, created as zeros like `like` on first use. */
  protected slot(name: string, index: number, like: tf.Tensor): tf.Variable {
    const key = `${index}/${name}`;
    let v = this.slots.get(key);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.slots.set(key, v);
    }
    return v;
  }

  /** Reads the state (slot values are copied). */
  async getState(): Promise<OptimizerState> {
    const slots: SlotState[] = [];
    for (const [key, v] of this.slots) {
      const cut = key.indexOf('/');
      slots.push({ index: Number(key.slice(0, cut)), slot: key.slice(cut + 1), shape: v.shape.slice(), values: (await v.data()) as Float32Array });
    }
    return { kind: this.kind, config: this.config(), iterations: this.iterations, slots };
  }

  /** Restores a state from {@link getState} (from this kind of optimizer). */
  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new InvalidArgumentError(`optimizer state is from "${state.kind}", cannot load it into "${this.kind}"`);
    }
    this.disposeSlots();
    this.iterations = state.iterations;
    for (const s of state.slots) {
      this.slots.set(`${s.index}/${s.slot}`, tf.variable(tf.tensor(s.values, s.shape, 'float32'), false));
    }
  }

  /** Frees the slot tensors. */
  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
