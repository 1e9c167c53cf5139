import type { FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidArgumentError, ModelkitError } from '@modelkit/core';
import { ONE_IMAGE_PER_REQUEST } from './http-errors';

/** The image and kit options of one inference request. */
export interface ImageRequest {
  image: Buffer;
  options: Record<string, unknown>;
}

// Strict base64 (standard or URL-safe alphabet, optional padding): Buffer.from(s, 'base64')
// silently skips junk, which would turn a client bug into a confusing decode error later.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:[\w.+/-]*;base64,/;

/**
 * Query parameters the server itself reads (`async`: answer 202 with a job id in queue
 * mode). They are never passed to the kit: every kit refuses options it does not know, so a
 * leaked server parameter would be a 400.
 */
const SERVER_QUERY_PARAMS: ReadonlySet<string> = new Set<string>(['async']);

/**
 * Reads the image and options of a `POST /v1/<kit>`: multipart (file field `image`, other
 * fields are options), a raw `image/*` or `application/octet-stream` body, or JSON
 * `{"image": "<base64>", ...options}`. Query parameters are options too (except
 * {@link SERVER_QUERY_PARAMS}); body fields win.
 *
 * @param maxBytes Largest decoded image; raw and multipart bodies are capped by the parsers.
 * @throws ModelkitError E_INVALID_ARGUMENT (no image, more than one file, bad base64),
 *   E_PAYLOAD_TOO_LARGE, E_UNSUPPORTED_MEDIA_TYPE.
 */
export async function readImageRequest(req: FastifyRequest, maxBytes = Infinity): Promise<ImageRequest> {
  const options = queryOptions(req.query);

  if (req.isMultipart()) {
    let image: Buffer | undefined;
    let files = 0;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        // The parser's file limit is 2 so that a second file arrives here and gets a clear
        // 400 rather than busboy's generic "files limit" 413.
        if (++files > 1) {
          part.file.resume();
          throw new InvalidArgumentError(ONE_IMAGE_PER_REQUEST, { details: { field: part.fieldname } });
        }
        if (part.fieldname === 'image') image = await part.toBuffer();
        else part.file.resume(); // drain parts we do not use, or busboy stalls
      } else {
        options[part.fieldname] = parseScalar(part.value);
      }
    }
    if (!image) throw new InvalidArgumentError('The multipart body has no file field named "image"');
    return { image, options };
  }

  const body = req.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new InvalidArgumentError('The request body is empty: send the image bytes');
    return { image: body, options };
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { image, ...rest } = body as Record<string, unknown>;
    if (typeof image !== 'string' || image.length === 0) {
      throw new InvalidArgumentError('The JSON body needs "image": a base64 string of the encoded image');
    }
    Object.assign(options, rest);
    const bytes = decodeBase64(image);
    if (bytes.length > maxBytes) {
      throw new ModelkitError(ErrorCodes.PAYLOAD_TOO_LARGE, `The image is ${bytes.length} bytes, over the limit of ${maxBytes}`, {
        details: { bytes: bytes.length, maxBytes },
      });
    }
    return { image: bytes, options };
  }
  if (body === undefined || body === null) {
    throw new InvalidArgumentError('No image: send multipart/form-data (field "image"), a raw image/* body, or JSON {"image": "<base64>"}');
  }
  throw new ModelkitError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'The body must be a JSON object, an image, or multipart/form-data');
}

/**
 * The kit options a query string gives: every parameter except the server's own
 * ({@link SERVER_QUERY_PARAMS}), numbers and booleans parsed.
 */
export function queryOptions(query: unknown, serverParams: ReadonlySet<string> = SERVER_QUERY_PARAMS): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (query === null || typeof query !== 'object') return options;
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
    if (!serverParams.has(k)) options[k] = parseScalar(v);
  }
  return options;
}

function decodeBase64(text: string): Buffer {
  const payload = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw new InvalidArgumentError('"image" is not valid base64');
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}

/** Query and form values are strings: read numbers and booleans so kits get real types. */
function parseScalar(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.trim() !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v.trim())) return Number(v);
  return v;
}
