/**
 * Downloads one file over http(s) into place: stream to `<dest>.part`, check size and
 * sha256, then rename, so `dest` only ever holds a complete, verified file.
 *
 * Written on node:http/https rather than an npm client because we need exactly three
 * things the small clients hide or lack: Range resume with a fallback to restart when the
 * server answers 200, a socket idle timeout, and byte-level progress. It is ~200 lines.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { ErrorCodes, RegistryError } from '../errors';
import { makeDirs } from '../fs/make-dirs';
import { emitProgress, type ProgressCallback } from '../progress';
import { isOffline } from './env';
import { sha256File } from './sha256';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected lower-case hex sha256; a mismatch deletes the download and throws `E_CHECKSUM_MISMATCH`. */
  sha256?: string;
  /** Expected size in bytes; checked against the server's announced length and the final file. */
  size?: number;
  /** Receives `start`, `progress` and `end` events in bytes. */
  onProgress?: ProgressCallback;
  /** Refuse to download (`E_OFFLINE`). Defaults to {@link isOffline}(). */
  offline?: boolean;
  /** Socket idle timeout in ms (connect and between chunks). Default 30 000. */
  timeoutMs?: number;
  /** Extra attempts after a network failure or 5xx; each resumes from the partial file. Default 2. */
  retries?: number;
  /** Wait before retry n is n × this. Default 500 ms. */
  retryDelayMs?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Task name in progress events. Default `download <file name>`. */
  task?: string;
}

const inFlight = new Map<string, Promise<void>>();
// Errors worth another attempt (connection lost, timeout, 5xx). Kept out of the public
// error shape on purpose: callers only see codes.
const retryable = new WeakSet<Error>();

/**
 * Downloads `url` to `dest` through `<dest>.part` + rename, resuming a partial file with an
 * HTTP Range request when the server supports it and restarting cleanly when it does not.
 * Concurrent calls for the same `dest` in this process share one download.
 *
 * @throws RegistryError `E_OFFLINE` (offline switch), `E_DOWNLOAD_FAILED` (HTTP status,
 *   connection lost, timeout, too many redirects), `E_CHECKSUM_MISMATCH` (size or sha256
 *   differ; nothing is left behind).
 */
export function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const key = resolvePath(dest);
  const running = inFlight.get(key);
  if (running) return running;
  const job = download(url, key, options).finally(() => inFlight.delete(key));
  inFlight.set(key, job);
  return job;
}

/** The error thrown when a download is needed but the offline switch is on. @internal */
export function offlineError(url: string, dest: string, what = basename(dest)): RegistryError {
  return new RegistryError(
    ErrorCodes.OFFLINE,
    `Offline (MODELKIT_OFFLINE=1): ${what} is not in the cache and may not be downloaded from ${url}. ` +
      `Download it yourself and place it at ${dest}, or unset MODELKIT_OFFLINE.`,
    { details: { url, path: dest } },
  );
}

async function download(url: string, dest: string, o: DownloadOptions): Promise<void> {
  if (o.offline ?? isOffline()) throw offlineError(url, dest);
  // Not mkdir -p: under /proc (e.g. MODELKIT_HOME=/proc/x) Node 20's recursive mkdir never returns.
  await makeDirs(dirname(dest));
  const part = `${dest}.part`;
  const task = o.task ?? `download ${basename(dest)}`;
  const retries = o.retries ?? 2;
  let done = await fileSize(part);
  emitProgress(o.onProgress, { task, phase: 'start', done, total: o.size, unit: 'bytes', message: url });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await fetchInto(url, part, o, (n) => {
          done = n;
          emitProgress(o.onProgress, { task, phase: 'progress', done, total: o.size, unit: 'bytes' });
        });
        break;
      } catch (err) {
        if (!(err instanceof Error) || !retryable.has(err) || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, (o.retryDelayMs ?? 500) * (attempt + 1)));
      }
    }
    await verifyPart(url, part, o);
    await rename(part, dest);
    emitProgress(o.onProgress, { task, phase: 'end', done, total: o.size, unit: 'bytes' });
  } catch (err) {
    emitProgress(o.onProgress, { task, phase: 'end', done, total: o.size, unit: 'bytes', message: `failed: ${(err as Error).message}` });
    throw err;
  }
}

async function verifyPart(url: string, part: string, o: DownloadOptions): Promise<void> {
  const size = await fileSize(part);
  if (o.size !== undefined && size !== o.size) {
    await rm(part, { force: true });
    throw mismatch(`Download of ${url} has ${size} bytes, expected ${o.size}`, { url, expectedSize: o.size, actualSize: size });
  }
  if (o.sha256 !== undefined) {
    const actual = await sha256File(part);
    if (actual !== o.sha256.toLowerCase()) {
      await rm(part, { force: true });
      throw mismatch(`Download of ${url} is corrupt or not the expected file: sha256 ${actual}, expected ${o.sha256}`, {
        url,
        expected: o.sha256,
        actual,
      });
    }
  }
}

/** One attempt: requests the rest of the file (or all of it) and appends it to `part`. */
async function fetchInto(url: string, part: string, o: DownloadOptions, onBytes: (done: number) => void): Promise<void> {
  let offset = await fileSize(part);
  if (o.size !== undefined && offset > o.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  // A part file of the full size needs no request; verification decides if it is good.
  if (o.size !== undefined && offset === o.size && offset > 0) return;

  const headers: Record<string, string> = { 'user-agent': 'modelkit', 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const res = await request(url, headers, o.timeoutMs ?? 30_000, o.maxRedirects ?? 5);
  const status = res.statusCode ?? 0;

  if (status === 206) {
    const start = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1];
    if (start === undefined || Number(start) !== offset) {
      res.destroy();
      await rm(part, { force: true });
      throw markRetryable(failed(`${url} answered a Range request with an unexpected Content-Range`, { url }));
    }
  } else if (status === 200) {
    offset = 0; // the server ignored Range (or none was sent): start over
  } else {
    res.resume();
    if (status === 416) {
      // Our partial file does not fit the server's file any more: start from scratch.
      await rm(part, { force: true });
      throw markRetryable(failed(`${url} rejected the resume request (HTTP 416)`, { url, status }));
    }
    const err = failed(`Download of ${url} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), { url, status });
    throw status >= 500 || status === 429 ? markRetryable(err) : err;
  }

  const length = Number(res.headers['content-length']);
  if (o.size !== undefined && Number.isFinite(length) && offset + length !== o.size) {
    res.destroy();
    await rm(part, { force: true });
    throw mismatch(`${url} announces ${offset + length} bytes, expected ${o.size}; the URL does not serve this model file`, {
      url,
      expectedSize: o.size,
      actualSize: offset + length,
    });
  }

  let done = offset;
  try {
    await writeBody(res, part, offset > 0, (chunk) => {
      done += chunk.length;
      if (o.size !== undefined && done > o.size) throw mismatch(`${url} sent more than the expected ${o.size} bytes`, { url, expectedSize: o.size });
      onBytes(done);
    });
  } catch (err) {
    if (err instanceof Error && retryable.has(err)) throw err;
    if (isModelkit(err)) {
      await rm(part, { force: true });
      throw err;
    }
    // Keep the partial file: the next attempt resumes from it.
    throw markRetryable(failed(`Download of ${url} was interrupted after ${done} bytes: ${(err as Error).message}`, { url, received: done }, err));
  }
  if (o.size !== undefined && done < o.size) {
    throw markRetryable(failed(`Download of ${url} ended after ${done} of ${o.size} bytes`, { url, received: done }));
  }
}

/**
 * Streams a response body into a file. Unlike `stream.pipeline`, a body that breaks off
 * still flushes every byte already received, so the next attempt resumes from there.
 * `onChunk` may throw to abort (the file is then left for the caller to delete).
 */
function writeBody(res: http.IncomingMessage, path: string, append: boolean, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path, { flags: append ? 'a' : 'w' });
    let failure: unknown;
    const stop = (err: unknown): void => {
      failure ??= err;
      res.destroy();
      if (!out.writableEnded) out.end();
    };
    res.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        onChunk(chunk);
      } catch (err) {
        stop(err);
        return;
      }
      // No backpressure on purpose: a paused response that then breaks off discards the
      // chunks it was holding, and those are exactly the bytes a resume would need. Disks
      // outpace model downloads, so the write buffer stays small.
      out.write(chunk);
    });
    res.on('end', () => {
      if (!out.writableEnded) out.end();
    });
    res.on('error', (err) => stop(err));
    res.on('close', () => {
      if (!res.complete) stop(new Error('connection closed before the end of the body'));
    });
    out.on('error', (err) => {
      failure ??= err;
      res.destroy();
      reject(failure);
    });
    out.on('finish', () => (failure === undefined ? resolve() : reject(failure)));
  });
}

/** GET with a socket idle timeout, following redirects. Resolves with the final response. */
function request(url: string, headers: Record<string, string>, timeoutMs: number, redirectsLeft: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      reject(failed(`Not a valid URL: ${url}`, { url }, err));
      return;
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(failed(`Only http and https URLs can be downloaded, got ${url}`, { url }));
      return;
    }
    const req = client.get(target, { headers });
    req.setTimeout(timeoutMs, () => {
      req.destroy(markRetryable(failed(`Download of ${url} timed out (no data for ${timeoutMs} ms)`, { url, timeoutMs })));
    });
    req.on('error', (err) => {
      reject(isModelkit(err) ? err : markRetryable(failed(`Download of ${url} failed: ${err.message}`, { url }, err)));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(failed(`Too many redirects while downloading ${url}`, { url }));
          return;
        }
        request(new URL(location, target).toString(), headers, timeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      resolve(res);
    });
  });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function failed(message: string, details: Record<string, unknown>, cause?: unknown): RegistryError {
  return new RegistryError(ErrorCodes.DOWNLOAD_FAILED, message, { details, cause });
}

function mismatch(message: string, details: Record<string, unknown>): RegistryError {
  return new RegistryError(ErrorCodes.CHECKSUM_MISMATCH, message, { details });
}

function markRetryable<E extends Error>(err: E): E {
  retryable.add(err);
  return err;
}

function isModelkit(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}
