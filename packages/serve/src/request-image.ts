import type { FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidArgumentError, ModelkitError } from '@modelkit/core';

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
 * Reads the image and options of a `POST /v1/<kit>`: multipart (file field `image`, other
 * fields are options), a raw `image/*` or `application/octet-stream` body, or JSON
 * `{"image": "<base64>", ...options}`. Query parameters are options too; body fields win.
 *
 * @param maxBytes Largest decoded image; raw and multipart bodies are capped by the parsers.
 * @throws ModelkitError E_INVALID_ARGUMENT (no image, bad base64), E_PAYLOAD_TOO_LARGE,
 *   E_UNSUPPORTED_MEDIA_TYPE.
 */
export async function readImageRequest(req: FastifyRequest, maxBytes = Infinity): Promise<ImageRequest> {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) options[k] = parseScalar(v);

  if (req.isMultipart()) {
    let image: Buffer | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === 'image' && image === undefined) image = await part.toBuffer();
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

function decodeBase64(text: string): Buffer {
  const payload = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw new InvalidArgumentError('"image" is not valid base64');
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}

/** Query and form values are strings: read numbers and booleans so kits get real types. */
export function parseScalar(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.trim() !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v.trim())) return Number(v);
  return v;
}
