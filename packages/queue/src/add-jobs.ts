/**
 * Adding inputs as jobs, in chunks, as they stream in: the next chunk is read only after
 * Redis has taken the previous one, so memory stays at one chunk whatever the input count.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BatchRowOptions } from '@modelkit/serve';
import type { InputItem } from './input-walk';
import type { QueueJobData, QueueJobResult } from './job-data';
import { jobIdOf } from './job-id';
import { kitsKey, queueKeys } from './queue-names';

/** A kit's bulk queue as `addJobs` uses it. */
export type BulkQueue = Queue<QueueJobData, QueueJobResult>;

/** Priority of added jobs unless `--priority` says otherwise (lower runs first). */
export const DEFAULT_PRIORITY = 1000;
/** Attempts per job unless `--attempts` says otherwise. */
export const DEFAULT_ATTEMPTS = 3;

/** Options of {@link addJobs}. */
export interface AddJobsOptions {
  /** The kit's bulk queue (see `queueName`). */
  queue: BulkQueue;
  /** A client of the same Redis, for the ids already queued or drained. */
  redis: Redis;
  /** BullMQ key prefix of the queue. */
  prefix: string;
  kit: string;
  /** `create` and `run` options, as given, already checked against the kit. */
  options: BatchRowOptions;
  inputs: AsyncIterable<InputItem>;
  /**
   * BullMQ priority, 1 (first) to 2,097,152; default {@link DEFAULT_PRIORITY}. Every added
   * job has one, because BullMQ runs jobs without a priority before all prioritized ones.
   */
  priority?: number;
  /** Runs per job before it lands in the failed set; default {@link DEFAULT_ATTEMPTS}. Bad inputs fail at once. */
  attempts?: number;
  /** Inputs per round trip; default 1000. */
  chunkSize?: number;
  /** Called after every chunk. */
  onProgress?: (summary: AddSummary) => void;
}

/** What {@link addJobs} did. */
export interface AddSummary {
  /** Inputs read (distinct per chunk). */
  inputs: number;
  /** New jobs. */
  added: number;
  /** Inputs whose job is already queued, running or finished and not drained yet. */
  existing: number;
  /** Inputs whose result was already drained into a results file (not run again). */
  drained: number;
}

/**
 * Adds one job per input. The job id is derived from kit, options and input, so adding
 * the same input again is a no-op, before and after its result was drained.
 */
export async function addJobs(options: AddJobsOptions): Promise<AddSummary> {
  const { queue, kit } = options;
  const chunkSize = options.chunkSize ?? 1000;
  const keys = queueKeys(options.prefix, kit);
  const client = options.redis;
  await client.sadd(kitsKey(options.prefix), kit);
  const summary: AddSummary = { inputs: 0, added: 0, existing: 0, drained: 0 };
  const jobOptions = {
    priority: options.priority ?? DEFAULT_PRIORITY,
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000 },
    // Results stay until `queue results` has written them to a file.
    removeOnComplete: false,
    removeOnFail: false,
  };

  let chunk = new Map<string, InputItem>();
  const flush = async (): Promise<void> => {
    const ids = [...chunk.keys()];
    if (ids.length === 0) return;
    summary.inputs += ids.length;
    const pipeline = client.pipeline();
    pipeline.smismember(keys.drained, ...ids);
    for (const id of ids) pipeline.exists(`${options.prefix}:${queue.name}:${id}`);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const drained = replies[0][1] as number[];
    const fresh = ids.filter((_id, i) => {
      if (drained[i] === 1) summary.drained++;
      else if (replies[i + 1][1] === 1) summary.existing++;
      else return true;
      return false;
    });
    // A job added by someone else between the check and here is left as it is by BullMQ.
    await queue.addBulk(
      fresh.map((id) => {
        const { image, input } = chunk.get(id)!;
        return { name: kit, data: { kit, image, input, options: options.options }, opts: { ...jobOptions, jobId: id } };
      }),
    );
    summary.added += fresh.length;
    chunk = new Map();
    options.onProgress?.({ ...summary });
  };

  for await (const item of options.inputs) {
    chunk.set(jobIdOf(kit, options.options, item.input), item);
    if (chunk.size >= chunkSize) await flush();
  }
  await flush();
  return summary;
}
