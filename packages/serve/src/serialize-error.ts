import { ErrorCodes, ModelkitError, isModelkitError } from '@modelkit/core';
import type { ErrorCode } from '@modelkit/core';
import type { SerializedError } from './worker-protocol';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/** Turns any thrown value into plain data that survives `postMessage` and JSON (worker threads, job queues). */
export function serializeError(err: unknown): SerializedError {
  if (isModelkitError(err)) return { name: err.name, message: err.message, code: err.code, details: jsonSafe(err.details) };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/**
 * Rebuilds an error from {@link serializeError}: a ModelkitError (keeping the original class
 * name, e.g. `ImageError`) when it had a known code, else a plain Error.
 */
export function deserializeError(e: SerializedError): Error {
  if (e.code !== undefined && KNOWN_CODES.has(e.code)) {
    const err = new ModelkitError(e.code as ErrorCode, e.message, { details: e.details });
    err.name = e.name;
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    // Details are context for humans; losing them beats failing to report the error.
    return {};
  }
}
