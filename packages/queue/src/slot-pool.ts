/**
 * A worker's runners for one kit: `size` slots (worker threads), each one job at a time,
 * shared by the kit's two queues with the server's requests served first. A job may carry
 * its own create (model) options: a slot already loaded with them is preferred; otherwise
 * an idle slot is reloaded with them, so every job runs with the options it was added with.
 */
import { canonicalJson } from '@modelkit/serve';
import type { RunnerSlot } from '@modelkit/serve';

/** Loads a kit's models with these create options into a new slot. */
export type SlotFactory = (createOptions: Record<string, unknown>) => Promise<RunnerSlot>;

interface Slot {
  key: string | undefined;
  runner: RunnerSlot | undefined;
  busy: boolean;
  lastUsed: number;
}

interface Waiter {
  key: string;
  createOptions: Record<string, unknown>;
  urgent: boolean;
  resolve: (slot: Slot) => void;
  reject: (err: unknown) => void;
}

/** Occupancy, for metrics. */
export interface SlotPoolState {
  slots: number;
  busy: number;
  waiting: number;
}

/** A fixed number of runner slots for one kit, handed out urgent-first, then in order. */
export class SlotPool {
  private readonly slots: Slot[];
  private readonly waiters: Waiter[] = [];
  private clock = 0;
  private disposed = false;

  constructor(
    readonly kit: string,
    size: number,
    private readonly factory: SlotFactory,
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({ key: undefined, runner: undefined, busy: false, lastUsed: 0 }));
  }

  /** Loads every slot with `createOptions` now, so the first jobs do not wait for models. */
  async warm(createOptions: Record<string, unknown>): Promise<void> {
    const key = canonicalJson(createOptions);
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.key === key) return;
        slot.runner = await this.factory(createOptions);
        slot.key = key;
      }),
    );
  }

  /**
   * Runs one input on a slot loaded with `createOptions`.
   * @param urgent Served before every non-urgent job waiting (the server's requests).
   */
  async run(createOptions: Record<string, unknown>, input: Uint8Array | string, runOptions: Record<string, unknown>, urgent = false): Promise<object> {
    const slot = await this.acquire(createOptions, urgent);
    try {
      return await slot.runner!.run(input, runOptions);
    } finally {
      slot.busy = false;
      slot.lastUsed = ++this.clock;
      this.dispatch();
    }
  }

  /** How many slots there are, run a job, and jobs wait for one. */
  state(): SlotPoolState {
    return { slots: this.slots.length, busy: this.slots.filter((s) => s.busy).length, waiting: this.waiters.length };
  }

  /** Releases every slot; call after the jobs using the pool have finished. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error(`The ${this.kit} runners were shut down`));
    await Promise.all(this.slots.map((s) => s.runner?.dispose()));
  }

  private acquire(createOptions: Record<string, unknown>, urgent: boolean): Promise<Slot> {
    if (this.disposed) return Promise.reject(new Error(`The ${this.kit} runners were shut down`));
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { key: canonicalJson(createOptions), createOptions, urgent, resolve, reject };
      // Urgent waiters go after the urgent ones already waiting, before every other one.
      const at = urgent ? this.waiters.findIndex((w) => !w.urgent) : -1;
      if (at < 0) this.waiters.push(waiter);
      else this.waiters.splice(at, 0, waiter);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const idle = this.slots.filter((s) => !s.busy);
      if (idle.length === 0) return;
      const waiter = this.waiters.shift()!;
      // A slot with the same models if there is one, else the one idle longest.
      const slot = idle.find((s) => s.key === waiter.key) ?? idle.sort((a, b) => a.lastUsed - b.lastUsed)[0];
      slot.busy = true;
      if (slot.key === waiter.key && slot.runner) {
        waiter.resolve(slot);
        continue;
      }
      void this.reload(slot, waiter);
    }
  }

  private async reload(slot: Slot, waiter: Waiter): Promise<void> {
    const old = slot.runner;
    slot.runner = undefined;
    slot.key = undefined;
    try {
      await old?.dispose();
      slot.runner = await this.factory(waiter.createOptions);
      slot.key = waiter.key;
      waiter.resolve(slot);
    } catch (err) {
      // Models that cannot load fail this job; the slot stays empty for the next one.
      slot.busy = false;
      waiter.reject(err);
      this.dispatch();
    }
  }
}
