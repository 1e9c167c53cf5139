/**
 * The contract between the server and a job queue: in queue mode (`modelkit serve --queue
 * URL`) the server checks requests and enqueues them, and workers elsewhere run the models.
 *
 * The server only knows this interface. `@modelkit/queue` implements it on Redis (BullMQ)
 * and builds on this package, so this package cannot import it back (a package cycle);
 * `loadJobBackend` finds it at run time instead, and only when `--queue` is given, so a
 * server without a queue never loads bullmq.
 */
import type { SerializedError } from './worker-protocol';

/** Where a queued job is. */
export type JobState = 'queued' | 'running' | 'completed' | 'failed';

/** One image job as the server hands it over. */
export interface JobRequest {
  /** The kit's name. */
  kit: string;
  /** Encoded image bytes. */
  image: Uint8Array;
  /** `createRunner` options (the server's `--kit-options` for this kit). */
  createOptions: Record<string, unknown>;
  /** Run options, already checked against the kit's schema. */
  runOptions: Record<string, unknown>;
}

/** What a backend knows about one job. */
export interface JobStatus {
  id: string;
  kit: string;
  state: JobState;
  /** The kit's JSON result, when `state` is `completed`. */
  result?: object;
  /** The typed error, when `state` is `failed`. */
  error?: SerializedError;
}

/** A job queue the server enqueues into instead of running models itself. */
export interface JobBackend {
  /** Resolves once the queue's store can be reached. */
  ready(): Promise<void>;
  /**
   * Enqueues one job and resolves to its id once the store has accepted it.
   * @throws ModelkitError E_QUEUE_UNREACHABLE when the store is down.
   */
  submit(job: JobRequest): Promise<string>;
  /**
   * Resolves to the job's result when it completes.
   * @throws ModelkitError the job's own typed error when it fails; E_JOB_TIMEOUT when it has
   *   not finished after `timeoutMs` (it stays queued or running); E_JOB_NOT_FOUND.
   */
  wait(id: string, timeoutMs: number): Promise<object>;
  /** The job's state, or undefined for an unknown id. */
  status(id: string): Promise<JobStatus | undefined>;
  /** Jobs of this kit waiting for a worker (not counting running ones). */
  depth(kit: string): Promise<number>;
  /** Closes connections; jobs already enqueued stay queued. */
  close(): Promise<void>;
}

/** Options every backend factory takes. */
export interface JobBackendOptions {
  /** The store's URL, e.g. `redis://127.0.0.1:6379`. */
  url: string;
  /** Kits the server serves. */
  kits: readonly string[];
}

/** What a package providing a backend exports as `createJobBackend`. */
export type JobBackendFactory = (options: JobBackendOptions) => Promise<JobBackend>;
