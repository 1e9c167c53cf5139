import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { KitQueue } from '../src/kit-queue';
import type { RunnerSlot } from '../src/runner-slot';

/** A slot whose jobs finish only when the test says so, to pin down queue behaviour exactly. */
class GatedSlot implements RunnerSlot {
  readonly started: string[] = [];
  private gates: (() => void)[] = [];
  disposed = false;

  run(image: Uint8Array | string): Promise<object> {
    this.started.push(String(image));
    return new Promise((resolve) => this.gates.push(() => resolve({ image: String(image) })));
  }

  release(): void {
    this.gates.shift()?.();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as ModelkitError).code;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('KitQueue', () => {
  it('runs one job per slot in FIFO order and refuses beyond the queue with E_SERVER_BUSY', async () => {
    const slot = new GatedSlot();
    const q = new KitQueue('fake', [slot], { maxQueue: 2, timeoutMs: 0 });
    const a = q.submit('a');
    const b = q.submit('b');
    const c = q.submit('c');
    expect(q.state()).toEqual({ slots: 1, busy: 1, waiting: 2 });
    const busy = q.submit('d');
    await expect(busy).rejects.toMatchObject({ code: ErrorCodes.SERVER_BUSY, details: { kit: 'fake', retryAfter: expect.any(Number) } });
    expect(slot.started).toEqual(['a']);
    slot.release();
    await expect(a).resolves.toEqual({ image: 'a' });
    await tick();
    expect(slot.started).toEqual(['a', 'b']);
    slot.release();
    await b;
    await tick();
    slot.release();
    await expect(c).resolves.toEqual({ image: 'c' });
    expect(q.state()).toEqual({ slots: 1, busy: 0, waiting: 0 });
  });

  it('times out a queued job without ever running it, and keeps a running slot busy after its timeout', async () => {
    const slot = new GatedSlot();
    const q = new KitQueue('fake', [slot], { maxQueue: 1, timeoutMs: 30 });
    const running = q.submit('run');
    const queued = q.submit('wait');
    expect(await Promise.all([codeOf(queued), codeOf(running)])).toEqual([ErrorCodes.TIMEOUT, ErrorCodes.TIMEOUT]);
    // The timed-out job still holds the slot: capacity is not overstated.
    expect(q.state()).toEqual({ slots: 1, busy: 1, waiting: 0 });
    expect(slot.started).toEqual(['run']);
    slot.release();
    await q.whenIdle();
    expect(slot.started).toEqual(['run']);
    expect(q.state().busy).toBe(0);
  });

  it('passes kit errors through and suggests Retry-After from recent run times', async () => {
    const failing: RunnerSlot = {
      run: async () => {
        await new Promise((r) => setTimeout(r, 20));
        throw new ModelkitError(ErrorCodes.IMAGE_DECODE, 'bad image');
      },
      dispose: async () => undefined,
    };
    const q = new KitQueue('fake', [failing], { maxQueue: 0, timeoutMs: 1000 });
    expect(await codeOf(q.submit('x'))).toBe(ErrorCodes.IMAGE_DECODE);
    expect(q.retryAfterSeconds()).toBe(1);
  });

  it('dispose waits for running jobs, then releases every slot', async () => {
    const slots = [new GatedSlot(), new GatedSlot()];
    const q = new KitQueue('fake', slots, { maxQueue: 0, timeoutMs: 0 });
    const jobs = [q.submit('1'), q.submit('2')];
    const disposed = q.dispose();
    await tick();
    expect(slots.every((s) => !s.disposed)).toBe(true);
    slots.forEach((s) => s.release());
    await Promise.all(jobs);
    await disposed;
    expect(slots.every((s) => s.disposed)).toBe(true);
  });
});

describe('KitQueue abandonment', () => {
  it('drops a waiting job whose client went away, without running it', async () => {
    const slot = new GatedSlot();
    const q = new KitQueue('fake', [slot], { maxQueue: 2, timeoutMs: 0 });
    const running = q.submit('run');
    const gone = new AbortController();
    const waiting = q.submit('gone', {}, gone.signal);
    const kept = q.submit('kept');
    gone.abort();
    expect(await codeOf(waiting)).toBe(ErrorCodes.UNAVAILABLE);
    expect(q.state().waiting).toBe(1);
    slot.release();
    await running;
    await tick();
    slot.release();
    await kept;
    expect(slot.started).toEqual(['run', 'kept']);
  });
});
