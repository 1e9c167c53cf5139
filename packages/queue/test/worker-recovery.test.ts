// A worker killed with SIGKILL in the middle of a job: BullMQ's stalled-job check hands the
// job to another worker once the dead one's lock expires, and the results file gets every
// job exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, eventually, runCli } from './helpers/cli-process';
import { writeImages } from './helpers/images';
import { readRows, statusOf } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

describeRedis('workers that die or are stopped', () => {
  let redis: RedisServer;
  let dir: string;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-kill-'));
    await writeImages(join(dir, 'in'), 10);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets its job run again by another worker; the result is drained once, nothing lost', async () => {
    const a = await CliProcess.worker(redis.url, 'slow');
    workers.push(a);
    const add = await runCli(['queue', 'add', 'slow', join(dir, 'in'), '--redis', redis.url, '--options', '{"ms":500}']);
    expect(add).toMatchObject({ code: 0 });
    expect(add.stderr).toContain('10 inputs: 10 added');

    // Kill while a job is surely running: right after the second one starts.
    await a.waitFor(() => a.events().filter((e) => e.event === 'active').length >= 2, 30_000, 'two jobs to start');
    a.child.kill('SIGKILL');
    await a.exited;
    const started = a.events().filter((e) => e.event === 'active').map((e) => e.id);
    const finished = new Set(a.events().filter((e) => e.event === 'completed').map((e) => e.id));
    const killed = started.filter((id) => !finished.has(id));
    expect(killed).toHaveLength(1);

    const b = await CliProcess.worker(redis.url, 'slow');
    workers.push(b);
    await eventually(async () => (await statusOf(redis.url, 'slow')).completed === 10, 60_000, 'every job to complete');
    expect(b.events().some((e) => e.event === 'active' && e.id === killed[0])).toBe(true);

    const out = join(dir, 'results.jsonl');
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out])).toMatchObject({ code: 0 });
    const rows = readRows(out);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.id)).size).toBe(10);
    expect(rows.every((r) => r.result !== undefined && r.error === undefined)).toBe(true);
    // The killed job started twice and was stored once, by the second worker's process.
    const row = rows.find((r) => r.id === killed[0])!;
    expect(row.attempts).toBe(2);
    expect(row.result).toMatchObject({ width: 8, height: 8 });

    // Nothing is left to drain, and the queue holds nothing any more.
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out])).toMatchObject({ code: 0 });
    expect(readRows(out)).toHaveLength(10);
    expect(await statusOf(redis.url, 'slow')).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, drained: 10 });

    expect(await b.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM: the worker takes no new job, finishes the running one, stores it and exits 0', async () => {
    const w = await CliProcess.worker(redis.url, 'slow', ['--metrics-port', '0']);
    workers.push(w);
    const port = Number(/metrics on port (\d+)/.exec(w.stderr)?.[1]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('modelkit_worker_runners{kit="slow"} 1');
    const add = await runCli(['queue', 'add', 'slow', join(dir, 'in'), '--redis', redis.url, '--options', '{"ms":1500}']);
    expect(add.stderr).toContain('10 inputs: 10 added');
    await w.waitFor(() => w.events().some((e) => e.event === 'active'), 30_000, 'a job to start');
    const running = w.events().find((e) => e.event === 'active')!.id;
    expect(await w.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(w.stderr).toMatch(/SIGTERM, finishing 1 jobs[\s\S]*worker: stopped\n$/);
    expect(w.events().filter((e) => e.event === 'active').map((e) => e.id)).toEqual([running]);
    expect(w.events().filter((e) => e.event === 'completed').map((e) => e.id)).toEqual([running]);
    expect(await statusOf(redis.url, 'slow')).toMatchObject({ active: 0, completed: 1, waiting: 9 });
  });
});
