// Redis crashes (SIGKILL) in the middle of a run and comes back on the same data
// (appendonly yes, appendfsync always): every job accepted before the crash completes,
// and the results file has each exactly once. The workers ride it out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, eventually, runCli } from './helpers/cli-process';
import { writeImages } from './helpers/images';
import { readRows, statusOf } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

describeRedis('Redis restarted mid-run', () => {
  let redis: RedisServer;
  let dir: string;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-restart-'));
    await writeImages(join(dir, 'a'), 24);
    await writeImages(join(dir, 'b'), 6);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no accepted job and writes each result once', async () => {
    workers.push(await CliProcess.worker(redis.url, 'slow'), await CliProcess.worker(redis.url, 'slow'));
    expect(await runCli(['queue', 'add', 'slow', join(dir, 'a'), '--redis', redis.url, '--options', '{"ms":150}'])).toMatchObject({ code: 0 });
    await eventually(async () => (await statusOf(redis.url, 'slow')).completed >= 6, 30_000, 'a few jobs to complete');

    await redis.kill();
    // While Redis is down nothing can be accepted: add fails with a typed error.
    const refused = await runCli(['queue', 'add', 'slow', join(dir, 'b'), '--redis', redis.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(E_QUEUE_UNREACHABLE)');
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();

    expect(await runCli(['queue', 'add', 'slow', join(dir, 'b'), '--redis', redis.url, '--options', '{"ms":150}'])).toMatchObject({ code: 0 });
    await eventually(async () => (await statusOf(redis.url, 'slow')).completed === 30, 60_000, 'all 30 jobs to complete');
    for (const w of workers) expect(w.child.exitCode).toBeNull();

    const out = join(dir, 'results.jsonl');
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out])).toMatchObject({ code: 0 });
    const rows = readRows(out);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.path)).size).toBe(30);
    expect(rows.every((r) => r.result !== undefined)).toBe(true);
    for (const w of workers) expect(await w.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
