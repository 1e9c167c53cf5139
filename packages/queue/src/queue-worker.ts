/**
 * `modelkit worker`: BullMQ workers for each kit's two queues, running jobs on the kit's
 * runners in worker threads (serve's WorkerSlot), the server's requests first.
 *
 * Results are exactly once per job because BullMQ stores a job's return value only with
 * the lock the worker took it with: a worker killed mid-job loses its lock, another one
 * takes the job again after `lockDuration` (stalled-job recovery), and a late finish from a
 * worker that lost the lock is refused. A run may happen twice; its result is kept once.
 */
import { availableParallelism } from 'node:os';
import { MetricsTime, Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { ErrorCodes, InvalidArgumentError, ModelkitError } from '@modelkit/core';
import { WorkerSlot, loadKits } from '@modelkit/serve';
import { DEFAULT_DOWNLOAD_LIMITS, download } from './download';
import type { DownloadLimits } from './download';
import { jobDataOf } from './job-data';
import type { QueueJobData, QueueJobResult } from './job-data';
import { errorOfFailedReason, jobFailure } from './job-error';
import { isUrlInput } from './input-walk';
import { DEFAULT_PREFIX, kitsKey, queueName } from './queue-names';
import type { QueueKind } from './queue-names';
import { checkRedis, openRedis, redisOptionsOf } from './redis-connection';
import { SlotPool } from './slot-pool';
import { WorkerMetrics } from './worker-metrics';

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  redis: string;
  /** Kits to run; each must be installed here. */
  kits: readonly string[];
  /** Runners (worker threads, each with its own models) per kit; default 1. */
  concurrency?: number;
  /** onnxruntime threads per runner; default the cores divided among all runners. */
  threads?: number;
  /** BullMQ key prefix; default `modelkit`. */
  prefix?: string;
  /** How long a job's lock lasts without renewal (ms); a dead worker's job runs again after it. Default 30,000. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (ms). Default 30,000. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it fails; default 1. */
  maxStalledCount?: number;
  /** Limits for inputs given by URL. */
  download?: DownloadLimits;
  /** Worker thread script and `execArgv` (tests running from sources). */
  workerScript?: string;
  workerExecArgv?: string[];
  /** Called for every job event, e.g. to log. */
  onEvent?: (event: WorkerEvent) => void;
}

/** A job event of {@link QueueWorkerOptions.onEvent}. */
export interface WorkerEvent {
  event: 'active' | 'completed' | 'failed' | 'retry' | 'stalled' | 'error';
  kit?: string;
  queue?: QueueKind;
  id?: string;
  ms?: number;
  /** The typed error of a failed attempt, or the message of a connection error. */
  error?: { code?: string; message: string };
}

/** A running worker. */
export interface QueueWorkerHandle {
  /** Prometheus metrics of this worker. */
  metrics: WorkerMetrics;
  /** Jobs running or waiting for a runner in this process. */
  running(): number;
  /**
   * Stops taking jobs, lets the ones it holds finish and be stored, then releases the
   * models. With `force`, stops at once: the jobs it held run again elsewhere after their
   * lock expires.
   */
  close(force?: boolean): Promise<void>;
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1, got ${String(v)}`);
  return v;
}

/**
 * Starts a worker: checks Redis, loads every kit's models into its runners, then starts
 * pulling jobs. Resolves once it pulls.
 * @throws ModelkitError E_QUEUE_UNREACHABLE, E_KIT_NOT_FOUND, or a kit's load error.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  if (options.kits.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'worker: give the kits to run, e.g. --kits ocr,det');
  const concurrency = positiveInt(options.concurrency ?? 1, 'concurrency');
  const threads = positiveInt(options.threads ?? Math.max(1, Math.floor(availableParallelism() / (concurrency * options.kits.length))), 'threads');
  const lockDuration = positiveInt(options.lockDurationMs ?? 30_000, 'lockDurationMs');
  const stalledInterval = positiveInt(options.stalledIntervalMs ?? 30_000, 'stalledIntervalMs');
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const limits = options.download ?? DEFAULT_DOWNLOAD_LIMITS;
  const emit = options.onEvent ?? (() => undefined);

  await checkRedis(options.redis);
  const kits = loadKits(options.kits);
  const connection = redisOptionsOf(options.redis);
  const pools = new Map<string, SlotPool>();
  const workers: Worker<QueueJobData, QueueJobResult>[] = [];
  // Read-only queue handles for the metrics' job counts.
  const queues: { kit: string; kind: QueueKind; queue: Queue }[] = [];
  let inFlight = 0;

  const metrics = new WorkerMetrics({
    pools: () => [...pools.values()].map((p) => ({ kit: p.kit, state: p.state() })),
    queueCounts: () =>
      Promise.all(
        queues.map(async ({ kit, kind, queue }) => ({
          kit,
          kind,
          counts: await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
        })),
      ),
  });

  const disposeAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.close(true)));
    await Promise.all(queues.map((q) => q.queue.close()));
    await Promise.all([...pools.values()].map((p) => p.dispose()));
  };

  try {
    for (const kit of kits) {
      const pool = new SlotPool(kit.name, concurrency, (createOptions) =>
        WorkerSlot.start({ kit: kit.name, createOptions: { threads, ...createOptions }, script: options.workerScript, execArgv: options.workerExecArgv }),
      );
      pools.set(kit.name, pool);
      // Default models load now, not with the first job.
      await pool.warm({});
    }
    for (const kit of kits) {
      const pool = pools.get(kit.name)!;
      for (const kind of ['http', 'bulk'] as const) {
        const name = queueName(kit.name, kind);
        const processJob = async (job: Job<QueueJobData, QueueJobResult>): Promise<QueueJobResult> => {
          inFlight++;
          try {
            const data = jobDataOf(job.data);
            if (data.kit !== kit.name) throw new InvalidArgumentError(`Job ${job.id} of kit '${data.kit}' is in the ${kit.name} queue`);
            const input = data.bytes !== undefined ? Buffer.from(data.bytes, 'base64') : isUrlInput(data.input!) ? await download(data.input!, limits) : data.input!;
            const t0 = performance.now();
            const result = await pool.run(data.options.create, input, data.options.run, kind === 'http');
            return { result, ms: Math.round((performance.now() - t0) * 10) / 10 };
          } catch (err) {
            throw jobFailure(err);
          } finally {
            inFlight--;
          }
        };
        const worker = new Worker<QueueJobData, QueueJobResult>(name, processJob, {
          connection: { ...connection, maxRetriesPerRequest: null },
          prefix,
          concurrency,
          lockDuration,
          stalledInterval,
          maxStalledCount: options.maxStalledCount ?? 1,
          // Per-minute completed/failed counts in Redis: `queue status` computes throughput from them.
          metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
          autorun: false,
        });
        worker.on('active', (job) => emit({ event: 'active', kit: kit.name, queue: kind, id: job.id }));
        worker.on('completed', (job, value) => {
          metrics.jobs.inc({ kit: kit.name, queue: kind, outcome: 'completed' });
          metrics.duration.observe({ kit: kit.name }, value.ms / 1000);
          emit({ event: 'completed', kit: kit.name, queue: kind, id: job.id, ms: value.ms });
        });
        worker.on('failed', (job, err) => {
          // finishedOn is set only when the job went to the failed set; otherwise it runs again.
          const final = job?.finishedOn !== undefined;
          metrics.jobs.inc({ kit: kit.name, queue: kind, outcome: final ? 'failed' : 'retried' });
          const e = errorOfFailedReason(err.message);
          emit({ event: final ? 'failed' : 'retry', kit: kit.name, queue: kind, id: job?.id, error: { code: e.code, message: e.message } });
        });
        worker.on('stalled', (id) => emit({ event: 'stalled', kit: kit.name, queue: kind, id }));
        // Connection errors while Redis restarts: BullMQ reconnects by itself.
        worker.on('error', (err) => emit({ event: 'error', kit: kit.name, queue: kind, error: { message: err.message } }));
        workers.push(worker);
        const queue = new Queue(name, { connection: { ...connection, enableOfflineQueue: false }, prefix });
        queue.on('error', () => undefined);
        queues.push({ kit: kit.name, kind, queue });
      }
    }
    const client = openRedis(options.redis, { maxRetriesPerRequest: 1 });
    try {
      await client.sadd(kitsKey(prefix), ...kits.map((k) => k.name));
    } finally {
      client.disconnect();
    }
  } catch (err) {
    await disposeAll().catch(() => undefined);
    throw err;
  }
  for (const worker of workers) {
    worker.run().catch((err: unknown) => emit({ event: 'error', error: { message: err instanceof Error ? err.message : String(err) } }));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  let closed: Promise<void> | undefined;
  return {
    metrics,
    running: () => inFlight,
    close(force = false) {
      closed ??= (async () => {
        // Closing a BullMQ worker waits for the jobs it holds and stores their results.
        await Promise.all(workers.map((w) => w.close(force)));
        await Promise.all(queues.map((q) => q.queue.close()));
        await Promise.all([...pools.values()].map((p) => p.dispose()));
      })();
      return closed;
    },
  };
}
