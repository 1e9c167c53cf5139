/**
 * Typed errors with stable `code`s. Callers branch on `code` (or `instanceof`), never on
 * message text; messages say what went wrong and what the user can do about it.
 */

/** Every error code modelkit throws. Codes are stable across releases. */
export const ErrorCodes = {
  /** The input is not a decodable image (corrupt, truncated, unknown format). */
  IMAGE_DECODE: 'E_IMAGE_DECODE',
  /** The input file or buffer is empty (zero bytes) or has zero width/height. */
  IMAGE_EMPTY: 'E_IMAGE_EMPTY',
  /** The image has more pixels than the configured cap. */
  IMAGE_TOO_LARGE: 'E_IMAGE_TOO_LARGE',
  /** A file named as input does not exist or cannot be read. */
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND',
  /** An argument has the wrong type, range or shape. */
  INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  /** A model file is not a valid model of the expected format. */
  MODEL_FORMAT: 'E_MODEL_FORMAT',
  /** A model graph refers to a tensor that nothing produces, or is otherwise inconsistent. */
  MODEL_INVALID: 'E_MODEL_INVALID',
  /** An operator in a source model has no mapping in a converter. */
  UNSUPPORTED_OP: 'E_UNSUPPORTED_OP',
  /** Inputs given to a session do not match its names, shapes or dtypes. */
  TENSOR_MISMATCH: 'E_TENSOR_MISMATCH',
  /** A session was used after release. */
  SESSION_RELEASED: 'E_SESSION_RELEASED',
  /** A model id is not in the registry. */
  MODEL_NOT_FOUND: 'E_MODEL_NOT_FOUND',
  /** A model card or other JSON document is malformed. */
  BAD_JSON: 'E_BAD_JSON',
  /** A file's sha256 differs from the one its card states. */
  CHECKSUM_MISMATCH: 'E_CHECKSUM_MISMATCH',
  /** A download failed (HTTP status, connection lost, timeout). */
  DOWNLOAD_FAILED: 'E_DOWNLOAD_FAILED',
  /** A download was needed while MODELKIT_OFFLINE=1. */
  OFFLINE: 'E_OFFLINE',
  /** A CLI usage error. */
  USAGE: 'E_USAGE',
  /** A server's queue for a kit is full; retry after the time the server suggests. */
  SERVER_BUSY: 'E_SERVER_BUSY',
  /** A request did not finish within the server's time limit. */
  TIMEOUT: 'E_TIMEOUT',
  /** A request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: 'E_PAYLOAD_TOO_LARGE',
  /** A request body has a content type the endpoint does not take. */
  UNSUPPORTED_MEDIA_TYPE: 'E_UNSUPPORTED_MEDIA_TYPE',
  /** A kit named in a request or command is not installed or not served. */
  KIT_NOT_FOUND: 'E_KIT_NOT_FOUND',
  /** The server is starting, shutting down, or lost a worker. */
  UNAVAILABLE: 'E_UNAVAILABLE',
  /** A file or folder cannot be written (permissions, read-only or virtual file system). */
  NOT_WRITABLE: 'E_NOT_WRITABLE',
  /** A path that must be a folder (or lead to one) is a file. */
  NOT_A_DIRECTORY: 'E_NOT_A_DIRECTORY',
  /** A path that must be a file is a folder. */
  IS_A_DIRECTORY: 'E_IS_A_DIRECTORY',
  /** The disk (or quota) is full. */
  NO_SPACE: 'E_NO_SPACE',
  /** An output would overwrite an input, or two outputs would share one file. */
  OUTPUT_CONFLICT: 'E_OUTPUT_CONFLICT',
  /** A server cannot listen: the port is taken by another process. */
  ADDRESS_IN_USE: 'E_ADDRESS_IN_USE',
  /** A host or port is invalid or cannot be used (unknown host, port outside 0..65535, address not on this machine). */
  BAD_ADDRESS: 'E_BAD_ADDRESS',
  /** An HTTP request used a method the route does not take (GET on a POST-only route); the `Allow` header lists the ones it does. */
  METHOD_NOT_ALLOWED: 'E_METHOD_NOT_ALLOWED',
  /** The job queue's Redis cannot be reached (connection refused, unknown host, bad URL, wrong password). */
  QUEUE_UNREACHABLE: 'E_QUEUE_UNREACHABLE',
  /** A queued job's id is unknown: never added, or its result expired or was drained. */
  JOB_NOT_FOUND: 'E_JOB_NOT_FOUND',
  /** A queued job did not finish within the time a caller waited for it; it is still queued or running. */
  JOB_TIMEOUT: 'E_JOB_TIMEOUT',
  /** Another process holds the queue's results lock (a second `modelkit queue results` on the same queue). */
  QUEUE_LOCKED: 'E_QUEUE_LOCKED',
  /** A video cannot be decoded: not a video, truncated, no video stream (audio only), or no frame could be read. */
  VIDEO_DECODE: 'E_VIDEO_DECODE',
  /** A video is longer than the configured limit (an upload over the server's duration cap). */
  VIDEO_TOO_LONG: 'E_VIDEO_TOO_LONG',
  /** ffmpeg (or ffprobe) is needed and was not found, or could not run. */
  FFMPEG_NOT_FOUND: 'E_FFMPEG_NOT_FOUND',
  /** Quantization found nothing to calibrate with: no images in the calibration set, or the kit ran none of its models on them. */
  NO_CALIBRATION_DATA: 'E_NO_CALIBRATION_DATA',
  /** A computation ran out of memory (e.g. the 4 GiB of tfjs' wasm backend while training). */
  OUT_OF_MEMORY: 'E_OUT_OF_MEMORY',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Extra context attached to an error (file path, expected vs actual values, ...). */
export type ErrorDetails = Record<string, unknown>;

// A brand shared by every copy of core in a process (ESM and CJS builds, a kit's own copy):
// `instanceof` fails across copies, the registered symbol does not.
const BRAND = Symbol.for('@modelkit/core/ModelkitError');

/** Base class of every error modelkit throws on purpose. */
export class ModelkitError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A JSON-safe view, used by the CLI and servers to report errors. */
  toJSON(): { name: string; code: ErrorCode; message: string; details: ErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** An image could not be read, is empty, or is too large. */
export class ImageError extends ModelkitError {}

/** A bad argument or input value. */
export class InvalidArgumentError extends ModelkitError {
  constructor(message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(ErrorCodes.INVALID_ARGUMENT, message, options);
  }
}

/** A model file is malformed, inconsistent, or uses something we cannot handle. */
export class ModelError extends ModelkitError {}

/** Session inputs do not match the model, or the session was released. */
export class SessionError extends ModelkitError {}

/** Model registry, cache and download failures. */
export class RegistryError extends ModelkitError {}

/**
 * True when `err` is a modelkit error, optionally with the given code — also one made by
 * another copy of `@modelkit/core` in the process, where `instanceof` would fail.
 */
export function isModelkitError(err: unknown, code?: ErrorCode): err is ModelkitError {
  const branded = err instanceof ModelkitError || (typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true);
  return branded && (code === undefined || (err as ModelkitError).code === code);
}
