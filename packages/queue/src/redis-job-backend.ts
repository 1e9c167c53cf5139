/**
 * The job backend of `modelkit serve --queue URL`: each request is a job on the kit's
 * request queue (not the queue of added files, so the depth limit counts requests only),
 * read back through BullMQ's queue events. Results expire after `resultTtlSeconds`.
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { deserializeError } from '@modelkit/serve';
import type { JobBackend, JobBackendOptions, JobRequest, JobStatus } from '@modelkit/serve';
import type { QueueJobData, QueueJobResult } from './job-data';
import { jobResultOf } from './job-data';
import { errorOfFailedReason } from './job-error';
import { DEFAULT_PREFIX, kitsKey, queueName } from './queue-names';
import { checkRedis, openRedis, redisOptionsOf, unreachableError } from './redis-connection';

/** Options of {@link createJobBackend}. */
export interface RedisJobBackendOptions extends JobBackendOptions {
  /** BullMQ key prefix; default `modelkit`. */
  prefix?: string;
  /** Runs per request before it fails (a worker dying mid-run counts); default 2. Bad images fail at once. */
  attempts?: number;
  /** How long finished requests stay readable at `GET /v1/jobs/:id`, in seconds; default 3600. */
  resultTtlSeconds?: number;
}

type RequestQueue = Queue<QueueJobData, QueueJobResult>;

const UUID_LENGTH = 36;

/** The kit a request's job id names (`<kit>-<uuid>`), so a lookup needs one queue. */
function kitOfJobId(id: string): string | undefined {
  if (id.length <= UUID_LENGTH + 1 || id[id.length - UUID_LENGTH - 1] !== '-') return undefined;
  return id.slice(0, id.length - UUID_LENGTH - 1);
}

/**
 * A {@link JobBackend} on Redis, for `startServer({ jobs })`; `modelkit serve --queue URL`
 * loads it through `loadJobBackend`.
 * @throws ModelkitError E_QUEUE_UNREACHABLE when Redis does not answer.
 */
export async function createJobBackend(options: RedisJobBackendOptions): Promise<JobBackend> {
  await checkRedis(options.url);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const connection = redisOptionsOf(options.url);
  const ttl = options.resultTtlSeconds ?? 3600;
  const attempts = options.attempts ?? 2;
  const queues = new Map<string, RequestQueue>();
  const events = new Map<string, QueueEvents>();
  for (const kit of options.kits) {
    const name = queueName(kit, 'http');
    // No offline queue: while Redis is away, requests fail at once (503) instead of hanging.
    const queue: RequestQueue = new Queue(name, { connection: { ...connection, enableOfflineQueue: false }, prefix });
    queue.on('error', () => undefined);
    const ev = new QueueEvents(name, { connection, prefix });
    ev.on('error', () => undefined);
    queues.set(kit, queue);
    events.set(kit, ev);
  }
  const redis = openRedis(options.url, { maxRetriesPerRequest: 1 });
  try {
    await redis.sadd(kitsKey(prefix), ...options.kits);
  } finally {
    redis.disconnect();
  }

  const queueOf = (kit: string): RequestQueue => {
    const queue = queues.get(kit);
    if (!queue) throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `No job queue for kit '${kit}' here`, { details: { kit } });
    return queue;
  };
  const store = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof ModelkitError ? err : unreachableError(options.url, err);
    }
  };

  return {
    async ready() {
      await Promise.all([...queues.values(), ...events.values()].map((q) => q.waitUntilReady()));
    },
    async submit(request: JobRequest) {
      const queue = queueOf(request.kit);
      const id = `${request.kit}-${randomUUID()}`;
      const data: QueueJobData = {
        kit: request.kit,
        image: 'request',
        bytes: Buffer.from(request.image).toString('base64'),
        options: { create: request.createOptions, run: request.runOptions },
      };
      await store(() =>
        queue.add(request.kit, data, {
          jobId: id,
          attempts,
          backoff: { type: 'exponential', delay: 500 },
          // Only requests live in this queue, so expiring by age touches no added file's results.
          removeOnComplete: { age: ttl },
          removeOnFail: { age: ttl },
        }),
      );
      return id;
    },
    async wait(id, timeoutMs) {
      const kit = kitOfJobId(id);
      const queue = kit === undefined ? undefined : queues.get(kit);
      const job = queue && (await store(() => Job.fromId<QueueJobData, QueueJobResult>(queue, id)));
      if (!kit || !job) throw new ModelkitError(ErrorCodes.JOB_NOT_FOUND, `No job '${id}'`, { details: { id } });
      try {
        const value = await job.waitUntilFinished(events.get(kit)!, timeoutMs);
        const parsed = jobResultOf(value);
        if (!parsed) throw new ModelkitError(ErrorCodes.UNAVAILABLE, `Job ${id} completed without a modelkit result`, { details: { id } });
        return parsed.result;
      } catch (err) {
        if (err instanceof ModelkitError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        if (message.startsWith('Job wait') && message.includes('timed out')) {
          throw new ModelkitError(ErrorCodes.JOB_TIMEOUT, `Job ${id} did not finish within ${timeoutMs} ms; it is still queued: GET /v1/jobs/${id}`, {
            details: { id, timeoutMs, href: `/v1/jobs/${id}` },
          });
        }
        throw deserializeError(errorOfFailedReason(message));
      }
    },
    async status(id): Promise<JobStatus | undefined> {
      const kit = kitOfJobId(id);
      const queue = kit === undefined ? undefined : queues.get(kit);
      if (!kit || !queue) return undefined;
      // State first: a job read before it finished would have no result yet.
      const state = await store(() => queue.getJobState(id));
      if (state === 'unknown') return undefined;
      if (state === 'completed' || state === 'failed') {
        const job = await store(() => Job.fromId<QueueJobData, QueueJobResult>(queue, id));
        if (!job) return undefined; // expired in between
        if (state === 'completed') return { id, kit, state, result: jobResultOf(job.returnvalue)?.result ?? {} };
        return { id, kit, state, error: errorOfFailedReason(job.failedReason) };
      }
      return { id, kit, state: state === 'active' ? 'running' : 'queued' };
    },
    async depth(kit) {
      const queue = queueOf(kit);
      return store(() => queue.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'paused'));
    },
    async close() {
      // Closing while BullMQ still sets its connections up makes their pending INFO command
      // fail as an unhandled 'error' event (seen in the tests): let the set-up finish first,
      // for at most a second so a Redis that is down cannot hold the close.
      const settled = Promise.allSettled([...queues.values(), ...events.values()].map((q) => q.waitUntilReady()));
      await Promise.race([settled, new Promise((r) => setTimeout(r, 1000).unref())]);
      await Promise.all([...events.values()].map((e) => e.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
