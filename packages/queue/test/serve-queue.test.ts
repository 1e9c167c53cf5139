// `modelkit serve` in queue mode, with the Redis backend of this package: requests become
// jobs for a real worker process; waiting, async, unknown ids, time-outs, depth limit and
// a stopped Redis all answer with the right status and typed code.
import { startServer } from '@modelkit/serve';
import type { ServerHandle } from '@modelkit/serve';
import sharp from 'sharp';
import { createJobBackend } from '../src/redis-job-backend';
import { CliProcess, KITS_PATH } from './helpers/cli-process';
import { RedisServer, describeRedis } from './helpers/redis-server';

const saved = process.env.MODELKIT_KITS_PATH;

describeRedis('serve --queue', () => {
  let redis: RedisServer;
  let worker: CliProcess;
  let server: ServerHandle;
  let png: Buffer;

  beforeAll(async () => {
    process.env.MODELKIT_KITS_PATH = KITS_PATH;
    redis = await RedisServer.start();
    png = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toBuffer();
    // Only bright has a worker: slow's jobs wait forever, for the time-out and depth tests.
    worker = await CliProcess.worker(redis.url, 'bright');
    const jobs = await createJobBackend({ url: redis.url, kits: ['bright', 'slow'] });
    server = await startServer({ kits: ['bright', 'slow'], port: 0, jobs, timeoutMs: 1500, maxQueueDepth: 2 });
    await server.ready;
  });
  afterAll(async () => {
    await server?.close();
    await worker?.stop('SIGKILL');
    await redis?.stop();
    if (saved === undefined) delete process.env.MODELKIT_KITS_PATH;
    else process.env.MODELKIT_KITS_PATH = saved;
  });

  const post = (kit: string, query = '', body: Buffer = png): Promise<Response> =>
    fetch(`${server.url}/v1/${kit}${query}`, { method: 'POST', body, headers: { 'content-type': 'image/png' } });

  it('answers with the worker’s result, run with the request’s options', async () => {
    const res = await post('bright', '?threshold=250');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mean: 200, bright: false, timings: { total: expect.any(Number) } });
    // The worker prints its event line on its own stdout, which can arrive after the reply.
    await worker.waitFor(() => worker.events().some((e) => e.event === 'completed' && e.queue === 'http'), 5000, 'the worker to report the job completed');
  });

  it('async=1: 202 with the job, then GET /v1/jobs/:id has the result', async () => {
    const res = await post('bright', '?async=1&threshold=100');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; href: string; state: string };
    expect(body).toMatchObject({ kit: 'bright', state: 'queued', href: `/v1/jobs/${body.id}` });
    expect(res.headers.get('location')).toBe(body.href);
    let job: Response;
    do {
      await new Promise((r) => setTimeout(r, 20));
      job = await fetch(`${server.url}${body.href}`);
      if (job.status === 202) expect(await job.json()).toMatchObject({ id: body.id, state: expect.stringMatching(/queued|running/) });
    } while (job.status === 202);
    expect(job.status).toBe(200);
    expect(await job.json()).toEqual({ id: body.id, kit: 'bright', state: 'completed', result: expect.objectContaining({ mean: 200, bright: true }) });
  });

  it('a bad image is its typed error: 400 when waiting, a failed job when async', async () => {
    const sync = await post('bright', '', Buffer.from('not an image'));
    expect(sync.status).toBe(400);
    expect(((await sync.json()) as { error: { code: string } }).error.code).toBe('E_IMAGE_DECODE');
    const accepted = (await (await post('bright', '?async=1', Buffer.from('not an image'))).json()) as { href: string };
    let job: Response;
    do {
      await new Promise((r) => setTimeout(r, 20));
      job = await fetch(`${server.url}${accepted.href}`);
    } while (job.status === 202);
    expect(await job.json()).toMatchObject({ state: 'failed', error: { code: 'E_IMAGE_DECODE', name: 'ImageError' } });
  });

  it('404 E_JOB_NOT_FOUND for an unknown id; 400 for an unknown option, before anything is queued', async () => {
    const missing = await fetch(`${server.url}/v1/jobs/bright-00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'E_JOB_NOT_FOUND' } });
    expect((await fetch(`${server.url}/v1/jobs/whatever`)).status).toBe(404);
    const typo = await post('slow', '?mss=1');
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ error: { code: 'E_INVALID_ARGUMENT' } });
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { kits: Record<string, { queued: number }> };
    expect(ready).toMatchObject({ ready: true, queue: true, kits: { slow: { queued: 0 } } });
  });

  it('504 E_JOB_TIMEOUT when no worker answers in time; the job stays queued', async () => {
    const res = await post('slow');
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; details: { id: string; href: string } } };
    expect(body.error.code).toBe('E_JOB_TIMEOUT');
    const job = await fetch(`${server.url}${body.error.details.href}`);
    expect(job.status).toBe(202);
    expect(await job.json()).toMatchObject({ id: body.error.details.id, kit: 'slow', state: 'queued' });
  });

  it('429 E_SERVER_BUSY once the kit’s queue holds --max-queue-depth jobs', async () => {
    // One job is left from the time-out test; one more fills the depth of 2.
    expect((await post('slow', '?async=1')).status).toBe(202);
    const busy = await post('slow', '?async=1');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(await busy.json()).toMatchObject({ error: { code: 'E_SERVER_BUSY', details: { depth: 2, maxQueueDepth: 2 } } });
    // Another kit's queue is not full.
    expect((await post('bright')).status).toBe(200);
  });

  it('refuses to start with model options the kit does not have', async () => {
    const jobs = await createJobBackend({ url: redis.url, kits: ['bright'] });
    try {
      await expect(startServer({ kits: ['bright'], port: 0, jobs, kitOptions: { bright: { gainn: 2 } } })).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
        message: expect.stringContaining("'gainn'"),
      });
    } finally {
      await jobs.close();
    }
  });

  it('503 while Redis is down, and back when it returns', async () => {
    await redis.kill();
    const down = await post('bright', '?async=1');
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('E_QUEUE_UNREACHABLE');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    await redis.start();
    let res: Response;
    do {
      await new Promise((r) => setTimeout(r, 200));
      res = await post('bright');
    } while (res.status === 503);
    expect(res.status).toBe(200);
  });
});

describe('serve without --queue', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    process.env.MODELKIT_KITS_PATH = KITS_PATH;
    server = await startServer({ kits: ['bright'], port: 0, workers: 0 });
    await server.ready;
  });
  afterAll(async () => {
    await server?.close();
    if (saved === undefined) delete process.env.MODELKIT_KITS_PATH;
    else process.env.MODELKIT_KITS_PATH = saved;
  });

  it('refuses async=1 and has no jobs', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    const res = await fetch(`${server.url}/v1/bright?async=1`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('async=1 needs a job queue');
    const job = await fetch(`${server.url}/v1/jobs/x`);
    expect(job.status).toBe(404);
    expect(await job.json()).toMatchObject({ error: { code: 'E_JOB_NOT_FOUND' } });
  });
});
