// The setup of docs/queue.md, as processes: one Redis, two workers, one server in queue
// mode, inputs added with the CLI, watched, and drained with --follow.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, runCli } from './helpers/cli-process';
import { writeImages } from './helpers/images';
import { readRows } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

describeRedis('one Redis, two workers, one server', () => {
  let redis: RedisServer;
  let dir: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-3node-'));
    await writeImages(join(dir, 'photos'), 40);
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves requests and drains added inputs, spread over both workers', async () => {
    const [w1, w2] = await Promise.all([CliProcess.worker(redis.url, 'bright'), CliProcess.worker(redis.url, 'bright')]);
    const server = await CliProcess.start(['serve', '--queue', redis.url, '--kits', 'bright', '--port', '0', '--max-queue-depth', '50'], /modelkit serve: ready/);
    processes.push(w1, w2, server);
    const url = /listening on (http:\/\/\S+)/.exec(server.stderr)![1];

    const photo = readFileSync(join(dir, 'photos', 'img-010.png'));
    const res = await fetch(`${url}/v1/bright?threshold=5`, { method: 'POST', body: photo, headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mean: 10, bright: true });

    const add = await runCli(['queue', 'add', 'bright', `${join(dir, 'photos')}/*.png`, '--redis', redis.url]);
    expect(add.stderr).toContain('40 inputs: 40 added');
    const out = join(dir, 'results.jsonl');
    const results = await runCli(['queue', 'results', '--redis', redis.url, '--out', out, '--follow', '--interval', '200']);
    expect(results).toMatchObject({ code: 0 });
    expect(results.stderr).toContain('40 rows (40 results, 0 errors)');
    const rows = readRows(out);
    expect(rows.map((r) => (r.result as { mean: number }).mean).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));

    // Both workers took jobs.
    for (const w of [w1, w2]) expect(w.events().filter((e) => e.event === 'completed' && e.queue === 'bulk').length).toBeGreaterThan(0);

    const status = await runCli(['queue', 'status', '--redis', redis.url, '--json']);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ kit: 'bright', waiting: 0, active: 0, completed: 0, failed: 0, drained: 40, workers: 2, perMinute: expect.any(Number), etaSeconds: 0 }),
    ]);
    const watch = await runCli(['queue', 'status', '--redis', redis.url, '--watch']);
    expect(watch.code).toBe(0);
    expect(watch.stderr).toContain('nothing waiting or running (40 finished)');
    expect(watch.stdout).toMatch(/^kit\s+waiting\s+active/);

    // Jobs carry their model options: a worker reloads a runner with them.
    const gain = await runCli(['queue', 'add', 'bright', join(dir, 'photos', 'img-020.png'), join(dir, 'photos', 'img-030.png'), '--kit-options', '{"gain":0.5}', '--redis', redis.url]);
    expect(gain.stderr).toContain('2 inputs: 2 added');
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out, '--follow', '--interval', '200'])).toMatchObject({ code: 0 });
    const halved = readRows(out).slice(40);
    expect(halved.map((r) => [r.options, (r.result as { mean: number }).mean]).sort()).toEqual([
      [{ create: { gain: 0.5 }, run: {} }, 10],
      [{ create: { gain: 0.5 }, run: {} }, 15],
    ]);

    for (const p of [server, w1, w2]) expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
