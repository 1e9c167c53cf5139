// Adding streams: inputs are read one chunk ahead of Redis, however many there are; the
// job id makes adding the same input again a no-op, before and after its result is drained.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { addJobs } from '../src/add-jobs';
import type { BulkQueue } from '../src/add-jobs';
import type { InputItem } from '../src/input-walk';
import { jobIdOf } from '../src/job-id';
import { queueKeys } from '../src/queue-names';
import { openRedis, redisOptionsOf } from '../src/redis-connection';
import { runCli } from './helpers/cli-process';
import { writeImages } from './helpers/images';
import { RedisServer, describeRedis } from './helpers/redis-server';

it('derives the job id from kit, options (in any key order) and input', () => {
  const id = jobIdOf('ocr', { create: { a: 1, b: 2 }, run: {} }, '/x.png');
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  expect(jobIdOf('ocr', { create: { b: 2, a: 1 }, run: {} }, '/x.png')).toBe(id);
  expect(jobIdOf('ocr', { create: { a: 1, b: 2 }, run: { dropScore: 0.5 } }, '/x.png')).not.toBe(id);
  expect(jobIdOf('det', { create: { a: 1, b: 2 }, run: {} }, '/x.png')).not.toBe(id);
  expect(jobIdOf('ocr', { create: { a: 1, b: 2 }, run: {} }, '/y.png')).not.toBe(id);
});

describeRedis('addJobs', () => {
  let redis: RedisServer;
  let queue: BulkQueue;
  let client: ReturnType<typeof openRedis>;
  let dir: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    queue = new Queue('bright', { connection: redisOptionsOf(redis.url), prefix: 'modelkit' });
    client = openRedis(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-add-'));
  });
  afterAll(async () => {
    await queue?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Inputs made on demand, counting how many were taken. */
  function inputs(n: number, counter: { pulled: number }): AsyncIterable<InputItem> {
    return (async function* () {
      for (let i = 0; i < n; i++) {
        counter.pulled++;
        yield { image: `in/${i}.png`, input: `/data/in/${i}.png` };
      }
    })();
  }

  it('reads inputs only one chunk ahead of what Redis has taken', async () => {
    const counter = { pulled: 0 };
    const pulledAtEachAdd: number[] = [];
    const addBulk = queue.addBulk.bind(queue);
    queue.addBulk = async (jobs) => {
      pulledAtEachAdd.push(counter.pulled);
      return addBulk(jobs);
    };
    try {
      const summary = await addJobs({ queue, redis: client, prefix: 'modelkit', kit: 'bright', options: { create: {}, run: {} }, inputs: inputs(2500, counter), chunkSize: 1000 });
      expect(summary).toEqual({ inputs: 2500, added: 2500, existing: 0, drained: 0 });
    } finally {
      queue.addBulk = addBulk;
    }
    expect(pulledAtEachAdd).toEqual([1000, 2000, 2500]);
    expect(await queue.getJobCountByTypes('prioritized', 'waiting')).toBe(2500);
  });

  it('adds nothing for inputs already queued or already drained; other options are other jobs', async () => {
    const options = { create: {}, run: {} };
    await client.sadd(queueKeys('modelkit', 'bright').drained, jobIdOf('bright', options, '/data/in/2500.png'), jobIdOf('bright', options, '/data/in/2501.png'));
    const again = await addJobs({ queue, redis: client, prefix: 'modelkit', kit: 'bright', options, inputs: inputs(2510, { pulled: 0 }), chunkSize: 300 });
    expect(again).toEqual({ inputs: 2510, added: 8, existing: 2500, drained: 2 });
    const other = await addJobs({ queue, redis: client, prefix: 'modelkit', kit: 'bright', options: { create: {}, run: { threshold: 1 } }, inputs: inputs(10, { pulled: 0 }) });
    expect(other).toMatchObject({ added: 10, existing: 0 });
  });

  it('the CLI checks the kit and its options before connecting, and Redis before reading inputs', async () => {
    await writeImages(join(dir, 'imgs'), 3);
    const badOption = await runCli(['queue', 'add', 'bright', join(dir, 'imgs'), '--redis', 'redis://127.0.0.1:1', '--options', '{"treshold":1}']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain("Unknown bright run option 'treshold'; valid options: threshold (E_INVALID_ARGUMENT)");
    const noKit = await runCli(['queue', 'add', 'nokit', join(dir, 'imgs'), '--redis', redis.url]);
    expect(noKit.stderr).toContain('(E_KIT_NOT_FOUND)');
    const down = await runCli(['queue', 'add', 'bright', join(dir, 'imgs'), '--redis', 'redis://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*\(E_QUEUE_UNREACHABLE\)/);
    const badUrl = await runCli(['queue', 'add', 'bright', join(dir, 'imgs'), '--redis', 'http://x']);
    expect(badUrl.stderr).toContain('(E_USAGE)');
    const none = await runCli(['queue', 'add', 'bright', join(dir, 'nothing-here'), '--redis', redis.url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('(E_FILE_NOT_FOUND)');
  });

  it('the CLI adds a directory, a glob and a list from stdin, each input once', async () => {
    const list = `${join(dir, 'imgs', 'img-000.png')}\nhttps://example.com/x.png\n`;
    const out = await runCli(['queue', 'add', 'bright', join(dir, 'imgs'), `${join(dir, 'imgs')}/*.png`, '--list', '-', '--redis', redis.url, '--priority', '5'], { input: list });
    expect(out).toMatchObject({ code: 0 });
    // 3 from the folder; the glob and the list name the same files again (one job per id) plus one URL.
    expect(out.stderr).toContain('queue add bright: 4 inputs: 4 added');
    const urlJob = await queue.getJob(jobIdOf('bright', { create: {}, run: {} }, 'https://example.com/x.png'));
    expect(urlJob?.data).toEqual({ kit: 'bright', image: 'https://example.com/x.png', input: 'https://example.com/x.png', options: { create: {}, run: {} } });
    expect(urlJob?.opts).toMatchObject({ priority: 5, attempts: 3 });
  });
});
