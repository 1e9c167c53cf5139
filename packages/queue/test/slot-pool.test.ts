import type { RunnerSlot } from '@modelkit/serve';
import { SlotPool } from '../src/slot-pool';

/** A runner slot whose runs end when the test says, recording what ran on it. */
class ManualSlot implements RunnerSlot {
  static made: ManualSlot[] = [];
  readonly ran: string[] = [];
  disposed = false;
  private pending: (() => void)[] = [];

  constructor(readonly createOptions: Record<string, unknown>) {
    ManualSlot.made.push(this);
  }

  run(image: Uint8Array | string, options: Record<string, unknown>): Promise<object> {
    this.ran.push(String(image));
    return new Promise((resolve) => this.pending.push(() => resolve({ image, options, tag: this.createOptions.tag ?? null })));
  }

  finish(): void {
    this.pending.shift()?.();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

beforeEach(() => {
  ManualSlot.made = [];
});

it('serves urgent jobs before the others that wait, and keeps order within each', async () => {
  const pool = new SlotPool('k', 1, async (o) => new ManualSlot(o));
  await pool.warm({});
  const slot = ManualSlot.made[0];
  const done: string[] = [];
  const run = (name: string, urgent: boolean): Promise<void> => pool.run({}, name, {}, urgent).then(() => void done.push(name));
  const all = [run('bulk-1', false), run('bulk-2', false), run('bulk-3', false), run('http-1', true), run('http-2', true)];
  await tick();
  expect(pool.state()).toEqual({ slots: 1, busy: 1, waiting: 4 });
  for (let i = 0; i < 5; i++) {
    slot.finish();
    await tick();
  }
  await Promise.all(all);
  expect(slot.ran).toEqual(['bulk-1', 'http-1', 'http-2', 'bulk-2', 'bulk-3']);
  expect(done).toEqual(slot.ran);
});

it('runs a job on a slot with its create options, reloading an idle slot only when none has them', async () => {
  const pool = new SlotPool('k', 2, async (o) => new ManualSlot(o));
  await pool.warm({});
  expect(ManualSlot.made).toHaveLength(2);
  const first = pool.run({}, 'a', {});
  await tick();
  const second = pool.run({ tag: 'x' }, 'b', {});
  await tick();
  await tick();
  // One warm slot was replaced by a slot loaded with {tag: 'x'}; the other kept the defaults.
  expect(ManualSlot.made).toHaveLength(3);
  expect(ManualSlot.made.filter((s) => s.disposed)).toHaveLength(1);
  for (const s of ManualSlot.made) s.finish();
  expect(await first).toMatchObject({ image: 'a', tag: null });
  expect(await second).toMatchObject({ image: 'b', tag: 'x' });
  // The same options again reuse the loaded slot: no new load.
  const third = pool.run({ tag: 'x' }, 'c', {});
  await tick();
  ManualSlot.made[2].finish();
  expect(await third).toMatchObject({ image: 'c', tag: 'x' });
  expect(ManualSlot.made).toHaveLength(3);
  await pool.dispose();
  expect(ManualSlot.made.filter((s) => !s.disposed)).toHaveLength(0);
});

it('fails only the job whose models cannot load; the pool goes on', async () => {
  const pool = new SlotPool('k', 1, async (o) => {
    if (o.tag === 'broken') throw new Error('no such model');
    return new ManualSlot(o);
  });
  await expect(pool.run({ tag: 'broken' }, 'a', {})).rejects.toThrow('no such model');
  const ok = pool.run({}, 'b', {});
  await tick();
  ManualSlot.made[0].finish();
  expect(await ok).toMatchObject({ image: 'b' });
});
