/**
 * `modelkit queue results`: moves finished jobs from Redis into a JSON Lines file, in the
 * batch row format plus the job `id`, exactly once per job id, and resumably.
 *
 * Per chunk of finished jobs:
 *   1. the chunk's ids and the file's path go into a journal key in Redis;
 *   2. their rows are appended in one write and fsynced;
 *   3. the ids join the queue's drained set (so adding those inputs again is a no-op),
 *      the jobs are removed, and the journal is deleted.
 * A drain that dies between 1 and 3 leaves the journal: the next drain reads the journal's
 * file for those ids, finishes step 3 for the rows that made it to disk, and drains the
 * others again. One drain per queue at a time (a lock in Redis), so no two write one job.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BatchRow } from '@modelkit/serve';
import { ErrorCodes } from '@modelkit/core';
import { DrainLock } from './drain-lock';
import { jobDataOf, jobResultOf } from './job-data';
import type { QueueJobData, QueueJobResult } from './job-data';
import { errorOfFailedReason } from './job-error';
import { queueKeys } from './queue-names';
import { ResultsFile, cutHalfLine, idsInFile } from './results-file';

/** One row of a results file: a batch row plus the job's id and attempts. */
export interface QueueResultRow extends BatchRow {
  /** The job id (sha256 of kit, options and input); a file has at most one row per id. */
  id: string;
  /** Runs started (more than 1 after retries, or when a worker died mid-job and another took it over). */
  attempts: number;
}

/** Options of {@link drainResults}. */
export interface DrainOptions {
  /** The kit's bulk queue. */
  queue: Queue<QueueJobData, QueueJobResult>;
  /** A client of the same Redis for the lock, the journal and the drained set. */
  redis: Redis;
  prefix: string;
  kit: string;
  /** The results file (JSON Lines, appended; missing folders must exist). */
  out: string;
  /** Jobs per chunk (one write + fsync each); default 500. */
  chunkSize?: number;
  /** Also drain failed jobs as error rows; default true. False leaves them for `retry-failed`. */
  includeFailed?: boolean;
  /** Called after every chunk. */
  onProgress?: (summary: DrainSummary) => void;
}

/** What {@link drainResults} did. */
export interface DrainSummary {
  /** Rows written with a result. */
  results: number;
  /** Rows written with an error. */
  errors: number;
  /** Jobs found already written (a drain that died before removing them), removed now. */
  recovered: number;
}

interface Journal {
  file: string;
  ids: string[];
}

/**
 * Drains every finished job of one kit's queue into `out`, until none is left.
 * @throws ModelkitError E_QUEUE_LOCKED when another drain holds the queue; file errors
 *   (E_NOT_WRITABLE, …) from the results file.
 */
export async function drainResults(options: DrainOptions): Promise<DrainSummary> {
  const { queue, redis, kit } = options;
  const keys = queueKeys(options.prefix, kit);
  const chunkSize = options.chunkSize ?? 500;
  const states = options.includeFailed === false ? (['completed'] as const) : (['completed', 'failed'] as const);
  const summary: DrainSummary = { results: 0, errors: 0, recovered: 0 };
  const lock = await DrainLock.acquire(redis, keys.lock, `the ${kit} queue`);
  const finish = async (ids: readonly string[]): Promise<void> => {
    if (ids.length > 0) {
      await redis.sadd(keys.drained, ...ids);
      await Promise.all(ids.map((id) => queue.remove(id)));
    }
    await redis.del(keys.journal);
  };
  try {
    const pending = await redis.get(keys.journal);
    if (pending !== null) {
      const journal = JSON.parse(pending) as Journal;
      // A row cut off mid-line is not written: cut it first, or its job would be removed
      // on the strength of a line that is then thrown away.
      cutHalfLine(journal.file);
      const written = await idsInFile(journal.file, new Set(journal.ids));
      await finish([...written]);
      summary.recovered += written.size;
    }
    const file = ResultsFile.open(options.out);
    try {
      for (const state of states) {
        for (;;) {
          lock.assertHeld();
          const jobs = (await queue.getJobs(state, 0, chunkSize - 1, true)) as Job<QueueJobData, QueueJobResult>[];
          if (jobs.length === 0) break;
          const ids = jobs.map((j) => j.id!);
          const drained = await redis.smismember(keys.drained, ...ids);
          // Ids already drained (their removal was cut short) are only removed, not written again.
          const rows = jobs.filter((_j, i) => drained[i] !== 1).map((j) => rowOf(j, state, kit));
          await redis.set(keys.journal, JSON.stringify({ file: file.path, ids } satisfies Journal));
          file.append(rows);
          await finish(ids);
          for (const row of rows) {
            if (row.error) summary.errors++;
            else summary.results++;
          }
          options.onProgress?.({ ...summary });
        }
      }
    } finally {
      file.close();
    }
  } finally {
    await lock.release();
  }
  return summary;
}

/** The results row of a finished job. */
function rowOf(job: Job<QueueJobData, QueueJobResult>, state: 'completed' | 'failed', kit: string): QueueResultRow {
  let data: QueueJobData;
  try {
    data = jobDataOf(job.data);
  } catch (err) {
    return {
      id: job.id!,
      image: '',
      path: '',
      kit,
      options: { create: {}, run: {} },
      error: { name: 'ModelkitError', code: ErrorCodes.INVALID_ARGUMENT, message: (err as Error).message },
      ms: 0,
      attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade),
    };
  }
  const base = { id: job.id!, image: data.image, path: data.input ?? data.image, kit: data.kit, options: data.options };
  // A completed job may still carry the failedReason of an earlier attempt: go by its state.
  const value = state === 'completed' ? jobResultOf(job.returnvalue) : undefined;
  if (value) return { ...base, result: value.result, ms: value.ms, attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade) };
  const ms = job.finishedOn !== undefined && job.processedOn !== undefined ? job.finishedOn - job.processedOn : 0;
  const error =
    state === 'failed'
      ? errorOfFailedReason(job.failedReason)
      : { name: 'ModelkitError', code: ErrorCodes.INVALID_ARGUMENT, message: 'The job completed without a modelkit result' };
  return { ...base, error, ms, attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade) };
}
