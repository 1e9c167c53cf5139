/**
 * What a queued job carries and returns. Jobs are JSON in Redis; a worker checks what it
 * reads, since anything (another version, a hand-made job) may have put it there.
 */
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { BatchRowOptions } from '@modelkit/serve';

/** The data of one job. */
export interface QueueJobData {
  /** The kit's name. */
  kit: string;
  /** The input as the user listed it (a path relative to where `queue add` ran, or a URL); `request` for the server's jobs. */
  image: string;
  /** What the worker reads: an absolute path or an http(s) URL. Absent for the server's jobs. */
  input?: string;
  /** The server's jobs: the encoded image, base64. */
  bytes?: string;
  /** `create` (model) and `run` options, as given. */
  options: BatchRowOptions;
}

/** What a completed job stores as its BullMQ return value. */
export interface QueueJobResult {
  /** The kit's JSON result. */
  result: object;
  /** Time the kit took, in ms (download and waiting for a runner not counted). */
  ms: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The job data, checked.
 * @throws ModelkitError E_INVALID_ARGUMENT for data no `queue add` or server made.
 */
export function jobDataOf(data: unknown): QueueJobData {
  const d = data as Partial<QueueJobData> | null;
  const options = d?.options as Partial<BatchRowOptions> | undefined;
  const ok =
    isObject(d) &&
    typeof d.kit === 'string' &&
    typeof d.image === 'string' &&
    (typeof d.input === 'string' || typeof d.bytes === 'string') &&
    isObject(options) &&
    isObject(options.create) &&
    isObject(options.run);
  if (!ok) throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, 'The job data is not a modelkit job (kit, image, input or bytes, options.create, options.run)');
  return d as QueueJobData;
}

/** The stored return value, checked; undefined for anything else. */
export function jobResultOf(value: unknown): QueueJobResult | undefined {
  if (!isObject(value) || !isObject(value.result) || typeof value.ms !== 'number') return undefined;
  return value as unknown as QueueJobResult;
}
