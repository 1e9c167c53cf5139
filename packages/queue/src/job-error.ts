/**
 * Typed errors through BullMQ. BullMQ keeps only a failed job's message (`failedReason`),
 * so the worker puts the whole serialized error there as JSON and readers parse it back:
 * a results row or an HTTP answer then carries the kit's own code (E_IMAGE_DECODE, …).
 */
import { UnrecoverableError } from 'bullmq';
import { ErrorCodes, isModelkitError } from '@modelkit/core';
import { serializeError } from '@modelkit/serve';
import type { SerializedError } from '@modelkit/serve';

/** Errors of the input itself: running it again gives the same error, so it is not retried. */
const INPUT_ERRORS = new Set<string>([
  ErrorCodes.IMAGE_DECODE,
  ErrorCodes.IMAGE_EMPTY,
  ErrorCodes.IMAGE_TOO_LARGE,
  ErrorCodes.FILE_NOT_FOUND,
  ErrorCodes.INVALID_ARGUMENT,
  ErrorCodes.KIT_NOT_FOUND,
]);

/** True when another attempt cannot succeed (a bad image, a missing file, a 404 download). */
function isPermanent(err: unknown): boolean {
  if (!isModelkitError(err)) return false;
  if (INPUT_ERRORS.has(err.code)) return true;
  return err.code === ErrorCodes.DOWNLOAD_FAILED && err.details.permanent === true;
}

/**
 * The error a processor throws for `err`: BullMQ's UnrecoverableError (straight to the
 * failed set) for permanent errors, a plain Error (retried while attempts remain) otherwise;
 * either way with the serialized error as its message.
 */
export function jobFailure(err: unknown): Error {
  const message = JSON.stringify(serializeError(err));
  return isPermanent(err) ? new UnrecoverableError(message) : new Error(message);
}

/** The typed error in a failed job's `failedReason`; BullMQ's own reasons (a job stalled too often) become E_UNAVAILABLE. */
export function errorOfFailedReason(reason: string | undefined): SerializedError {
  if (reason !== undefined && reason.startsWith('{')) {
    try {
      const e = JSON.parse(reason) as Partial<SerializedError>;
      if (typeof e.name === 'string' && typeof e.message === 'string') return e as SerializedError;
    } catch {
      // not ours; fall through
    }
  }
  const message = reason ?? 'The job failed without a reason';
  // A worker that died on it (too often) or a lost lock: the machinery, not the input.
  return { name: 'ModelkitError', code: ErrorCodes.UNAVAILABLE, message: `The job failed in the queue: ${message}` };
}
