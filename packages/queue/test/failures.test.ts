// Jobs that fail land in the failed set with their typed error and never hold up the
// others: a bad image at once (running it again cannot help), a flaky download after
// `--attempts` runs. retry-failed and clean act on them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, eventually, runCli } from './helpers/cli-process';
import { writeCorrupt, writeImages } from './helpers/images';
import { readRows, statusOf } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

describeRedis('failing jobs', () => {
  let redis: RedisServer;
  let dir: string;
  let worker: CliProcess;
  let http: Server;
  let base: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-fail-'));
    await writeImages(join(dir, 'in'), 6);
    writeCorrupt(join(dir, 'in', 'bad.png'));
    // /flaky always answers 503 (worth retrying), /gone 404 (not).
    http = createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      res.writeHead(req.url === '/gone.png' ? 404 : 503).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const address = http.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    worker = await CliProcess.worker(redis.url, 'bright');
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await new Promise((r) => http?.close(r));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('go to the failed set with their typed errors, after the configured attempts, while the other jobs complete', async () => {
    const add = await runCli(['queue', 'add', 'bright', join(dir, 'in'), `${base}/flaky.png`, `${base}/gone.png`, '--redis', redis.url, '--attempts', '3']);
    expect(add).toMatchObject({ code: 0 });
    expect(add.stderr).toContain('9 inputs: 9 added');
    await eventually(async () => {
      const s = await statusOf(redis.url, 'bright');
      return s.completed === 6 && s.failed === 3;
    }, 60_000, '6 completed and 3 failed jobs');
    expect(hits.get('/flaky.png')).toBe(3);
    expect(hits.get('/gone.png')).toBe(1);

    const retries = worker.events().filter((e) => e.event === 'retry');
    expect(retries).toHaveLength(2);
    expect(retries.every((e) => e.error?.code === 'E_DOWNLOAD_FAILED')).toBe(true);
    const failed = worker.events().filter((e) => e.event === 'failed');
    expect(failed.map((e) => e.error?.code).sort()).toEqual(['E_DOWNLOAD_FAILED', 'E_DOWNLOAD_FAILED', 'E_IMAGE_DECODE']);
  });

  it('retry-failed puts them back; they fail again the same way', async () => {
    const retried = await runCli(['queue', 'retry-failed', '--redis', redis.url]);
    expect(retried).toMatchObject({ code: 0 });
    expect(retried.stderr).toContain('bright: 3 failed jobs back in the queue');
    await eventually(async () => (await statusOf(redis.url, 'bright')).failed === 3 && worker.events().filter((e) => e.event === 'failed').length === 6, 60_000, 'the retried jobs to fail again');
  });

  it('results writes them as error rows with their codes and exits 1; --completed-only leaves them', async () => {
    const out = join(dir, 'results.jsonl');
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out, '--completed-only'])).toMatchObject({ code: 0 });
    expect(readRows(out)).toHaveLength(6);
    expect((await statusOf(redis.url, 'bright')).failed).toBe(3);

    const all = await runCli(['queue', 'results', '--redis', redis.url, '--out', out]);
    expect(all.code).toBe(1);
    expect(all.stderr).toContain('3 rows (0 results, 3 errors)');
    const rows = readRows(out);
    expect(rows).toHaveLength(9);
    const errors = rows.filter((r) => r.error);
    expect(errors.map((r) => [r.image.replace(base, ''), r.error!.code]).sort()).toEqual([
      ['/flaky.png', 'E_DOWNLOAD_FAILED'],
      ['/gone.png', 'E_DOWNLOAD_FAILED'],
      [join(dir, 'in', 'bad.png'), 'E_IMAGE_DECODE'],
    ]);
    expect(rows.filter((r) => r.result).map((r) => (r.result as { mean: number }).mean).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('clean --failed removes failed jobs; clean without a flag is a usage error', async () => {
    const add = await runCli(['queue', 'add', 'bright', `${base}/gone2.png`, '--redis', redis.url]);
    expect(add).toMatchObject({ code: 0 });
    await eventually(async () => (await statusOf(redis.url, 'bright')).failed === 1, 30_000, 'the new job to fail');
    const cleaned = await runCli(['queue', 'clean', '--failed', '--redis', redis.url]);
    expect(cleaned.stderr).toContain('removed 1 failed jobs');
    expect((await statusOf(redis.url, 'bright')).failed).toBe(0);
    const bare = await runCli(['queue', 'clean', '--redis', redis.url]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('(E_USAGE)');
  });
});
