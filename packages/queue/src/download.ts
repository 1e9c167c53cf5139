/**
 * Fetching an input given by URL, with a size cap (checked while streaming, not only from
 * Content-Length, which a server may omit or lie about) and a time limit for the whole
 * download, so one slow or huge URL cannot hold a runner or fill the memory.
 */
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** Limits of one download. */
export interface DownloadLimits {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Time for the whole download, in ms. */
  timeoutMs: number;
}

/** Default limits: 20 MiB (like the server's body limit) and 30 s. */
export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { maxBytes: 20 * 1024 * 1024, timeoutMs: 30_000 };

function failed(url: string, message: string, details: Record<string, unknown>, cause?: unknown): ModelkitError {
  return new ModelkitError(ErrorCodes.DOWNLOAD_FAILED, `Downloading ${url} failed: ${message}`, { cause, details: { url, ...details } });
}

/**
 * The body of `url`.
 * @throws ModelkitError E_DOWNLOAD_FAILED; `details.permanent` is true when trying again
 *   cannot help (a 4xx status other than 408/429, a body over the size cap), and such jobs
 *   are not retried.
 */
export async function download(url: string, limits: DownloadLimits = DEFAULT_DOWNLOAD_LIMITS): Promise<Uint8Array> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw controller.signal.aborted
        ? failed(url, `no answer within ${limits.timeoutMs} ms`, { reason: 'timeout', timeoutMs: limits.timeoutMs, permanent: false }, err)
        : failed(url, err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err), { reason: 'network', permanent: false }, err);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const status = response.status;
      const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
      throw failed(url, `HTTP ${status}`, { reason: 'status', status, permanent });
    }
    const tooLarge = (): ModelkitError =>
      failed(url, `the body is larger than ${limits.maxBytes} bytes`, { reason: 'too-large', maxBytes: limits.maxBytes, permanent: true });
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    try {
      for (;;) {
        const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
        if (done) break;
        total += value.byteLength;
        if (total > limits.maxBytes) {
          await reader?.cancel();
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof ModelkitError) throw err;
      throw controller.signal.aborted
        ? failed(url, `not finished within ${limits.timeoutMs} ms`, { reason: 'timeout', timeoutMs: limits.timeoutMs, permanent: false }, err)
        : failed(url, err instanceof Error ? err.message : String(err), { reason: 'network', permanent: false }, err);
    }
    return Buffer.concat(chunks, total);
  } finally {
    clearTimeout(timer);
  }
}
