// `queue results` writes each finished job once, also across a drain that died between
// writing rows and removing their jobs, and refuses to run twice on one queue at a time.
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrainLock } from '../src/drain-lock';
import { drainResults } from '../src/drain-results';
import { queueKeys } from '../src/queue-names';
import { QueueSession } from '../src/queue-session';
import { CliProcess, eventually, runCli } from './helpers/cli-process';
import { writeImages } from './helpers/images';
import { readRows, statusOf } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

describeRedis('draining results', () => {
  let redis: RedisServer;
  let dir: string;
  let session: QueueSession;

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-results-'));
    await writeImages(join(dir, 'in'), 30);
    const worker = await CliProcess.worker(redis.url, 'bright');
    try {
      expect(await runCli(['queue', 'add', 'bright', join(dir, 'in'), '--redis', redis.url])).toMatchObject({ code: 0 });
      await eventually(async () => (await statusOf(redis.url, 'bright')).completed === 30, 60_000, '30 completed jobs');
    } finally {
      await worker.stop();
    }
    session = await QueueSession.open(redis.url, 'modelkit');
  });
  afterAll(async () => {
    await session?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes a drain that died after writing rows, without writing them again', async () => {
    const out = join(dir, 'results.jsonl');
    const queue = session.queue('bright');
    const keys = queueKeys('modelkit', 'bright');
    // The state a drain killed mid-chunk leaves: the chunk's ids in the journal, 10 of its
    // rows on disk, the 11th cut off mid-line, the 12th never written, all 12 jobs still queued.
    const chunk = (await queue.getJobs('completed', 0, 11, true)).map((j) => j.id!);
    const written = chunk.slice(0, 10).map((id) => `${JSON.stringify({ id, image: 'from the first drain' })}\n`);
    appendFileSync(out, `${written.join('')}{"id":"${chunk[10]}","image":"cut o`);
    await session.redis.set(keys.journal, JSON.stringify({ file: out, ids: chunk }));

    const summary = await drainResults({ queue, redis: session.redis, prefix: 'modelkit', kit: 'bright', out, chunkSize: 7 });
    expect(summary).toEqual({ results: 20, errors: 0, recovered: 10 });
    const rows = readRows(out);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.id)).size).toBe(30);
    expect(rows.filter((r) => r.image === 'from the first drain').map((r) => r.id)).toEqual(chunk.slice(0, 10));
    // The half-written and the unwritten job got whole rows from this drain.
    expect(rows.find((r) => r.id === chunk[10])).toMatchObject({ kit: 'bright', result: { bright: false } });
    expect(rows.find((r) => r.id === chunk[11])).toMatchObject({ kit: 'bright', options: { create: {}, run: {} }, attempts: 1 });
    expect(await session.redis.exists(keys.journal)).toBe(0);
    expect(await statusOf(redis.url, 'bright')).toMatchObject({ completed: 0, drained: 30 });
    // Rows carry the batch fields, so batch tooling reads them.
    for (const row of rows.filter((r) => r.image !== 'from the first drain')) {
      expect(row).toEqual({
        id: row.id,
        image: expect.stringMatching(/img-\d{3}\.png$/),
        path: expect.stringMatching(/^\/.*img-\d{3}\.png$/),
        kit: 'bright',
        options: { create: {}, run: {} },
        result: expect.objectContaining({ mean: expect.any(Number), timings: expect.any(Object) }),
        ms: expect.any(Number),
        attempts: 1,
      });
    }
  });

  it('refuses a second drain of the same queue while one runs', async () => {
    const lock = await DrainLock.acquire(session.redis, queueKeys('modelkit', 'bright').lock, 'the bright queue');
    try {
      const second = await runCli(['queue', 'results', '--redis', redis.url, '--out', join(dir, 'other.jsonl')]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain("Another 'modelkit queue results' is draining the bright queue");
      expect(second.stderr).toContain('(E_QUEUE_LOCKED)');
    } finally {
      await lock.release();
    }
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', join(dir, 'other.jsonl')])).toMatchObject({ code: 0 });
  });

  it('checks --out before connecting', async () => {
    const bad = await runCli(['queue', 'results', '--redis', redis.url, '--out', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('(E_IS_A_DIRECTORY)');
    expect(existsSync(join(dir, 'results.jsonl'))).toBe(true);
  });
});
