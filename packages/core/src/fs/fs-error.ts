/**
 * Turns Node's file-system errors (ENOENT, EACCES, EISDIR, …) into typed modelkit errors
 * whose message names the path and what the user can do, so a CLI prints one actionable
 * line instead of `internal error: Error: EACCES …`.
 */
import { ErrorCodes, ModelkitError, isModelkitError } from '../errors';
import type { ErrorCode } from '../errors';

/** What was being done to the path, for the message. */
export type FsAction = 'read' | 'write' | 'create';

const ACTION_TEXT: Record<FsAction, string> = { read: 'read', write: 'write', create: 'create' };

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A typed error for a failed file-system call on `path`, or `undefined` when `err` is not a
 * file-system error this function knows (callers then rethrow it unchanged).
 */
export function fsErrorOf(err: unknown, path: string, action: FsAction): ModelkitError | undefined {
  if (isModelkitError(err)) return err;
  const errno = errnoCode(err);
  const verb = ACTION_TEXT[action];
  let code: ErrorCode;
  let message: string;
  switch (errno) {
    case 'ENOENT':
      code = ErrorCodes.FILE_NOT_FOUND;
      message = action === 'read' ? `${path} does not exist` : `cannot ${verb} ${path}: a folder on the way does not exist`;
      break;
    case 'EACCES':
    case 'EPERM':
      code = ErrorCodes.NOT_WRITABLE;
      message = `cannot ${verb} ${path}: permission denied; choose a path you can ${action === 'read' ? 'read' : 'write'} or fix its permissions`;
      break;
    case 'EROFS':
      code = ErrorCodes.NOT_WRITABLE;
      message = `cannot ${verb} ${path}: the file system is read-only; choose another folder`;
      break;
    case 'ENOTDIR':
    case 'EEXIST':
      code = ErrorCodes.NOT_A_DIRECTORY;
      message = `cannot ${verb} ${path}: a part of the path is a file, not a folder`;
      break;
    case 'EISDIR':
      code = ErrorCodes.IS_A_DIRECTORY;
      message = `cannot ${verb} ${path}: it is a folder; give a file path`;
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      code = ErrorCodes.NO_SPACE;
      message = `cannot ${verb} ${path}: no space left on the device`;
      break;
    case 'ENAMETOOLONG':
      code = ErrorCodes.INVALID_ARGUMENT;
      message = `cannot ${verb} ${path}: the name is too long`;
      break;
    default:
      return undefined;
  }
  return new ModelkitError(code, message, { cause: err, details: { path, errno } });
}

/** Runs `fn`, turning a file-system error on `path` into a typed one (see {@link fsErrorOf}). */
export async function withFsErrors<T>(path: string, action: FsAction, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsErrorOf(err, path, action) ?? err;
  }
}
