import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { RunnerSlot } from './runner-slot';

/** Options of {@link KitQueue}. */
export interface KitQueueOptions {
  /** Requests that may wait for a free slot; more are refused with E_SERVER_BUSY. */
  maxQueue: number;
  /** Time limit of one request, waiting included, in ms; past it the request fails with E_TIMEOUT. */
  timeoutMs: number;
}

interface Job {
  image: Uint8Array | string;
  options: Record<string, unknown>;
  resolve: (result: object) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

/** What a queue reports to metrics and `/readyz`. */
export interface KitQueueState {
  slots: number;
  busy: number;
  waiting: number;
}

/**
 * A bounded FIFO in front of a kit's runner slots. Each slot takes one job at a time.
 *
 * A request that times out while running gets its E_TIMEOUT answer at once, but its slot
 * stays busy until the kit finishes: inference cannot be interrupted, and counting the slot
 * free early would let the real load exceed the configured capacity.
 */
export class KitQueue {
  private readonly waiting: Job[] = [];
  private readonly idle: RunnerSlot[];
  private busyCount = 0;
  /** Moving average of run times (ms), for Retry-After. */
  private serviceMs = 0;
  private drained: (() => void)[] = [];

  constructor(
    readonly kit: string,
    private readonly slots: readonly RunnerSlot[],
    private readonly options: KitQueueOptions,
  ) {
    if (slots.length === 0) throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, 'KitQueue needs at least one runner slot');
    this.idle = [...slots];
  }

  /** Current occupancy. */
  state(): KitQueueState {
    return { slots: this.slots.length, busy: this.busyCount, waiting: this.waiting.length };
  }

  /**
   * Seconds a refused client should wait: the queue ahead of it divided among the slots,
   * times the recent run time, at least one.
   */
  retryAfterSeconds(): number {
    const perJob = this.serviceMs > 0 ? this.serviceMs : 1000;
    return Math.max(1, Math.ceil(((this.waiting.length / this.slots.length + 1) * perJob) / 1000));
  }

  /**
   * Runs one image on the next free slot.
   * @param signal Aborted when the client went away: a job still waiting is dropped (with
   *   E_UNAVAILABLE), so abandoned requests do not cost a run. A running job finishes.
   * @throws ModelkitError E_SERVER_BUSY when the queue is full (details.retryAfter in
   *   seconds), E_TIMEOUT past the time limit, or whatever the kit throws.
   */
  submit(image: Uint8Array | string, options: Record<string, unknown> = {}, signal?: AbortSignal): Promise<object> {
    if (this.idle.length === 0 && this.waiting.length >= this.options.maxQueue) {
      const retryAfter = this.retryAfterSeconds();
      return Promise.reject(
        new ModelkitError(ErrorCodes.SERVER_BUSY, `The ${this.kit} queue is full (${this.options.maxQueue} waiting); retry in ${retryAfter} s`, {
          details: { kit: this.kit, retryAfter },
        }),
      );
    }
    return new Promise<object>((resolve, reject) => {
      const job: Job = { image, options, resolve, reject, timer: undefined, settled: false };
      if (this.options.timeoutMs > 0 && Number.isFinite(this.options.timeoutMs)) {
        job.timer = setTimeout(() => this.expire(job), this.options.timeoutMs);
      }
      signal?.addEventListener('abort', () => this.abandon(job), { once: true });
      this.waiting.push(job);
      this.dispatch();
    });
  }

  /** Resolves when nothing is waiting or running. */
  whenIdle(): Promise<void> {
    if (this.busyCount === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Waits for running jobs, then releases every slot. */
  async dispose(): Promise<void> {
    await this.whenIdle();
    await Promise.all(this.slots.map((s) => s.dispose()));
  }

  private expire(job: Job): void {
    const queued = this.waiting.indexOf(job);
    if (queued >= 0) this.waiting.splice(queued, 1);
    this.settle(job, undefined, new ModelkitError(ErrorCodes.TIMEOUT, `The ${this.kit} request did not finish within ${this.options.timeoutMs} ms`, {
      details: { kit: this.kit, timeoutMs: this.options.timeoutMs, stage: queued >= 0 ? 'queued' : 'running' },
    }));
    this.notifyIdle();
  }

  private abandon(job: Job): void {
    const queued = this.waiting.indexOf(job);
    if (queued < 0) return;
    this.waiting.splice(queued, 1);
    this.settle(job, undefined, new ModelkitError(ErrorCodes.UNAVAILABLE, `The ${this.kit} request was abandoned by its client`));
    this.notifyIdle();
  }

  private settle(job: Job, result: object | undefined, err?: Error): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (err) job.reject(err);
    else job.resolve(result!);
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const slot = this.idle.pop()!;
      this.busyCount++;
      const t0 = performance.now();
      slot.run(job.image, job.options).then(
        (result) => this.finish(slot, job, t0, result),
        (err: unknown) => this.finish(slot, job, t0, undefined, err instanceof Error ? err : new Error(String(err))),
      );
    }
  }

  private finish(slot: RunnerSlot, job: Job, t0: number, result: object | undefined, err?: Error): void {
    const ms = performance.now() - t0;
    this.serviceMs = this.serviceMs === 0 ? ms : 0.8 * this.serviceMs + 0.2 * ms;
    this.settle(job, result, err);
    this.busyCount--;
    this.idle.push(slot);
    this.dispatch();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.busyCount !== 0 || this.waiting.length !== 0) return;
    const waiters = this.drained;
    this.drained = [];
    for (const w of waiters) w();
  }
}
