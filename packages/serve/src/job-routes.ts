/**
 * Queue mode of the server: `POST /v1/<kit>` enqueues instead of running the kit here, and
 * `GET /v1/jobs/:id` reports on a job. The kit's models run on `modelkit worker` processes.
 */
import type { FastifyReply } from 'fastify';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { JobBackend, JobStatus } from './job-backend';

/** One request to put on the queue. */
export interface QueuedRequest {
  kit: string;
  image: Uint8Array;
  createOptions: Record<string, unknown>;
  runOptions: Record<string, unknown>;
  /** Answer 202 with the job id at once instead of waiting for the result. */
  async: boolean;
  /** How long a waiting request waits for its result, in ms. */
  timeoutMs: number;
  /** Jobs that may wait for a worker, per kit, before requests are refused. */
  maxQueueDepth: number;
}

/** The path a job's state is read from. */
function jobPath(id: string): string {
  return `/v1/jobs/${encodeURIComponent(id)}`;
}

/**
 * Enqueues one request. Waiting requests get the kit's result (200) or its typed error;
 * `async` ones get 202 `{id, kit, state, href}` with a `Location` to poll.
 *
 * @throws ModelkitError E_SERVER_BUSY (429) when the kit's queue holds `maxQueueDepth` or
 *   more waiting jobs; E_JOB_TIMEOUT (504) when the result takes longer than `timeoutMs` (the
 *   job stays queued: its id is in the error's details); E_QUEUE_UNREACHABLE (503).
 */
export async function enqueueRequest(jobs: JobBackend, reply: FastifyReply, request: QueuedRequest): Promise<FastifyReply> {
  const depth = await jobs.depth(request.kit);
  // Checked before adding, so several servers sharing one queue may overshoot by the
  // requests they accept at the same moment; the bound is for back-pressure, not accounting.
  if (depth >= request.maxQueueDepth) {
    throw new ModelkitError(ErrorCodes.SERVER_BUSY, `The ${request.kit} job queue is full (${depth} waiting, limit ${request.maxQueueDepth}); retry later`, {
      details: { kit: request.kit, depth, maxQueueDepth: request.maxQueueDepth, retryAfter: 2 },
    });
  }
  const id = await jobs.submit({ kit: request.kit, image: request.image, createOptions: request.createOptions, runOptions: request.runOptions });
  if (request.async) {
    return reply
      .status(202)
      .header('location', jobPath(id))
      .send({ id, kit: request.kit, state: 'queued', href: jobPath(id) });
  }
  return reply.send(await jobs.wait(id, request.timeoutMs));
}

/**
 * Answers `GET /v1/jobs/:id`: 200 with the result or the typed error once the job is done,
 * 202 (with `Retry-After`) while it waits or runs.
 * @throws ModelkitError E_JOB_NOT_FOUND (404) for an id the queue does not know (never
 *   added, or expired).
 */
export async function answerJobStatus(jobs: JobBackend, reply: FastifyReply, id: string): Promise<FastifyReply> {
  const status: JobStatus | undefined = await jobs.status(id);
  if (!status) {
    throw new ModelkitError(ErrorCodes.JOB_NOT_FOUND, `No job '${id}': never added, or its result expired`, { details: { id } });
  }
  const done = status.state === 'completed' || status.state === 'failed';
  if (!done) reply.header('retry-after', '1');
  return reply.status(done ? 200 : 202).send(status);
}
