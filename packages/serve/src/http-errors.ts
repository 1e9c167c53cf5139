import { ErrorCodes, isModelkitError } from '@modelkit/core';

/** The JSON body of every error response: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** An error response: status, body and extra headers. */
export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** The message for a multipart body with more than one file. @internal */
export const ONE_IMAGE_PER_REQUEST = 'The multipart body has more than one file: send one image per request';

const STATUS_BY_CODE: Record<string, number> = {
  [ErrorCodes.IMAGE_DECODE]: 400,
  [ErrorCodes.IMAGE_EMPTY]: 400,
  [ErrorCodes.INVALID_ARGUMENT]: 400,
  [ErrorCodes.BAD_JSON]: 400,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 400,
  [ErrorCodes.IMAGE_TOO_LARGE]: 413,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  // Video kits: an upload that is not a readable video is the client's error; one over the
  // kit's duration cap is too large, like a body over the size cap.
  [ErrorCodes.VIDEO_DECODE]: 400,
  [ErrorCodes.VIDEO_TOO_LONG]: 413,
  [ErrorCodes.KIT_NOT_FOUND]: 404,
  [ErrorCodes.METHOD_NOT_ALLOWED]: 405,
  [ErrorCodes.SERVER_BUSY]: 429,
  [ErrorCodes.TIMEOUT]: 503,
  [ErrorCodes.UNAVAILABLE]: 503,
  [ErrorCodes.JOB_NOT_FOUND]: 404,
  // The job was accepted and goes on; 504 tells it apart from the 503 of a local timeout.
  [ErrorCodes.JOB_TIMEOUT]: 504,
  [ErrorCodes.QUEUE_UNREACHABLE]: 503,
};

/**
 * Maps anything thrown while serving to a response. ModelkitErrors keep their code and
 * message; Fastify's own errors (body limit, content type, JSON syntax) get modelkit codes
 * so clients branch on one set of codes; anything else is a 500 without internals.
 */
export function toHttpError(err: unknown): HttpError {
  // Not `instanceof`: a kit bundling its own copy of core throws errors of another class.
  if (isModelkitError(err)) {
    const status = STATUS_BY_CODE[err.code] ?? 500;
    const headers: Record<string, string> = {};
    const retryAfter = err.details.retryAfter;
    if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
    const allow = err.details.allow;
    if (Array.isArray(allow)) headers.allow = allow.join(', ');
    const details = Object.keys(err.details).length > 0 ? err.details : undefined;
    return { status, headers, body: { error: { code: err.code, message: err.message, ...(details && { details }) } } };
  }
  const fastifyCode = (err as { code?: unknown })?.code;
  const statusCode = (err as { statusCode?: unknown })?.statusCode;
  const message = err instanceof Error ? err.message : String(err);
  if (fastifyCode === 'FST_FILES_LIMIT') {
    // Busboy's file-count limit: the request had more files than the one image it may carry.
    return plain(400, ErrorCodes.INVALID_ARGUMENT, ONE_IMAGE_PER_REQUEST);
  }
  if (statusCode === 413 || fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyCode === 'FST_REQ_FILE_TOO_LARGE') {
    return plain(413, ErrorCodes.PAYLOAD_TOO_LARGE, `The request body is too large: ${message}`);
  }
  if (statusCode === 415 || fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastifyCode === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return plain(400, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'Send the image as multipart/form-data (field "image"), a raw image/* body, or JSON {"image": "<base64>"}');
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    return plain(400, ErrorCodes.BAD_JSON, `The JSON body is malformed: ${message}`);
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return plain(statusCode, ErrorCodes.INVALID_ARGUMENT, message);
  }
  return { status: 500, headers: {}, body: { error: { code: 'E_INTERNAL', message: 'Internal server error' } } };
}

function plain(status: number, code: string, message: string): HttpError {
  return { status, headers: {}, body: { error: { code, message } } };
}
