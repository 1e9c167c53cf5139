/**
 * The `modelkit serve` and `modelkit batch` commands, mounted by `@modelkit/cli`.
 */
import { EventEmitter } from 'node:events';
import { ErrorCodes, ModelkitError, ProgressBar } from '@modelkit/core';
import type { CliCommand, CliIO, KitDefinition } from '@modelkit/core';
import { runBatch } from './batch';
import { loadKits } from './kit-loading';
import { loadJobBackend } from './job-backend-loader';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from './server';
import type { ServeOptions } from './server';

function parseJsonOption(value: unknown, flag: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(String(value)) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the usage error
  }
  throw new ModelkitError(ErrorCodes.USAGE, `${flag} must be a JSON object, got ${String(value)}`);
}

function kitList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new ModelkitError(ErrorCodes.USAGE, '--kits needs at least one kit name');
  return names;
}

/**
 * `--queue` is either the local queue's length (a number, as before) or a job queue's
 * URL (`redis://…`, `rediss://…`) for queue mode: one flag, since a server has one or the other.
 */
function queueFlag(value: unknown): { queue?: number; queueUrl?: string } {
  if (value === undefined) return {};
  const text = String(value).trim();
  if (/^rediss?:\/\//i.test(text)) return { queueUrl: text };
  if (/^\d+$/.test(text)) return { queue: Number(text) };
  throw new ModelkitError(ErrorCodes.USAGE, `--queue takes a number of waiting requests or a redis:// URL, got '${text}'`);
}

/** The job queue URL of a `modelkit serve` command line, when it runs in queue mode. */
export function cliQueueUrl(o: Record<string, unknown>): string | undefined {
  return queueFlag(o.queue).queueUrl;
}

/** The serve options a `modelkit serve` command line gives (without the job backend `--queue URL` loads). */
export function cliServeOptions(o: Record<string, unknown>): ServeOptions {
  const num = (k: string): number | undefined => (o[k] === undefined ? undefined : Number(o[k]));
  const maxBodyMb = num('maxBodyMb');
  return {
    kits: kitList(o.kits),
    host: typeof o.host === 'string' ? o.host : undefined,
    port: num('port'),
    workers: num('workers'),
    queue: queueFlag(o.queue).queue,
    maxQueueDepth: num('maxQueueDepth'),
    timeoutMs: num('timeout'),
    threads: num('threads'),
    maxBodyBytes: maxBodyMb === undefined ? undefined : Math.round(maxBodyMb * 1024 * 1024),
    kitOptions: parseJsonOption(o.kitOptions, '--kit-options') as ServeOptions['kitOptions'],
    logger: o.log === true,
  };
}

/**
 * Runs `modelkit serve` until SIGTERM or SIGINT arrives on `signals`, then shuts down
 * gracefully (in-flight requests finish). `signals` is injectable for tests.
 */
export async function runServe(o: Record<string, unknown>, io: CliIO, signals: EventEmitter = process): Promise<number> {
  const serveOptions = cliServeOptions(o);
  const queueUrl = cliQueueUrl(o);
  if (queueUrl !== undefined) {
    // The kits are still loaded here (no models): their option schemas check requests.
    const kits = loadKits(serveOptions.kits?.filter((k): k is string => typeof k === 'string'));
    serveOptions.kits = kits;
    serveOptions.jobs = await loadJobBackend({ url: queueUrl, kits: kits.map((k) => k.name) });
  }
  let server;
  try {
    server = await startServer(serveOptions);
  } catch (err) {
    await serveOptions.jobs?.close();
    throw err;
  }
  const what = queueUrl === undefined ? 'loading models' : `enqueueing on ${redactUrl(queueUrl)}`;
  io.stderr.write(`modelkit serve: listening on ${server.url} (kits: ${server.kits.join(', ')}); ${what}...\n`);
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  signals.once('SIGTERM', () => stop('SIGTERM'));
  signals.once('SIGINT', () => stop('SIGINT'));
  try {
    const outcome = await Promise.race([server.ready.then(() => 'ready'), stopped]);
    if (outcome === 'ready') {
      io.stderr.write(`modelkit serve: ready; open ${server.url}/ in a browser\n`);
      const signal = await stopped;
      io.stderr.write(`modelkit serve: ${signal}, finishing in-flight requests...\n`);
    }
  } finally {
    signals.removeAllListeners('SIGTERM');
    signals.removeAllListeners('SIGINT');
    await server.close();
  }
  io.stderr.write('modelkit serve: stopped\n');
  return 0;
}

/** A URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Runs `modelkit batch`. The first SIGINT (Ctrl-C) stops starting new images; running ones
 * finish and are written, so the output holds whole lines only.
 *
 * @returns the exit code: 0 when every image has a result row, 1 while error rows remain
 *   for the input (also when a rerun skipped everything; `--retry-errors` runs them again),
 *   130 when interrupted.
 * @param findKit Loads the named kit; tests pass an in-memory one.
 */
export async function runBatchCommand(
  args: string[],
  o: Record<string, unknown>,
  io: CliIO,
  signals: EventEmitter = process,
  findKit: (name: string) => KitDefinition = (name) => loadKits([name])[0],
): Promise<number> {
  const [kitName, input] = args;
  if (!kitName || !input) throw new ModelkitError(ErrorCodes.USAGE, 'batch: give a kit and an input directory or glob');
  if (typeof o.out !== 'string' || o.out === '') throw new ModelkitError(ErrorCodes.USAGE, 'batch: --out <file.jsonl> is required');
  const kit = findKit(kitName);
  const controller = new AbortController();
  const onInterrupt = (): void => {
    io.stderr.write('\nbatch: stopping after the images in progress (Ctrl-C again to force)...\n');
    controller.abort();
    signals.removeListener('SIGINT', onInterrupt);
  };
  signals.on('SIGINT', onInterrupt);
  const bar = new ProgressBar(io.stderr, { tty: io.interactive });
  try {
    const summary = await runBatch({
      kit,
      input,
      out: o.out,
      concurrency: o.concurrency === undefined ? 1 : Number(o.concurrency),
      kitOptions: parseJsonOption(o.kitOptions, '--kit-options'),
      runOptions: parseJsonOption(o.options, '--options'),
      retryErrors: o.retryErrors === true,
      onProgress: bar.update,
      signal: controller.signal,
    });
    bar.stop();
    if (summary.otherRows > 0) {
      io.stderr.write(`batch: ${summary.otherRows} rows in ${o.out} were made with another kit or options; kept, their images run again\n`);
    }
    io.stderr.write(
      `batch: ${summary.succeeded} ok, ${summary.failed} errors, ${summary.skipped} already in ${o.out}, ${summary.total} images in all${summary.aborted ? ' (interrupted)' : ''}\n`,
    );
    if (summary.aborted) return 130;
    if (summary.errorsRemaining > 0) {
      io.stderr.write(`batch: ${summary.errorsRemaining} images have error rows in ${o.out}; fix them and rerun with --retry-errors\n`);
      return 1;
    }
    return 0;
  } finally {
    bar.stop();
    signals.removeListener('SIGINT', onInterrupt);
  }
}

/** `serve` and `batch`. */
export const commands: CliCommand[] = [
  {
    name: 'serve',
    description: 'Serve the installed kits over HTTP (POST /v1/<kit>, GET /v1/models, /healthz, /readyz, /metrics) with a demo page at /',
    options: [
      { flags: '--kits <list>', description: 'comma-separated kits to serve (default: every installed kit)' },
      { flags: '--host <host>', description: 'address to bind; loopback unless you choose otherwise', defaultValue: DEFAULT_HOST },
      { flags: '--port <n>', description: 'port (PaddleHub Serving uses 8866)', defaultValue: DEFAULT_PORT, type: 'integer' },
      { flags: '--workers <n>', description: 'worker threads per kit, each with its own models; 0 runs in the server thread', defaultValue: 1, type: 'integer' },
      {
        flags: '--queue <n|url>',
        description:
          'requests that may wait per kit, more get 429 + Retry-After; or a job queue URL (redis://host:port, needs @modelkit/queue): enqueue for `modelkit worker` processes instead of running models here',
        defaultValue: 16,
      },
      { flags: '--max-queue-depth <n>', description: 'with --queue URL: jobs that may wait per kit; more get 429', defaultValue: 100, type: 'integer' },
      { flags: '--timeout <ms>', description: 'per-request time limit (queue + run); past it 503 (with --queue URL: 504, the job goes on)', defaultValue: 30000, type: 'integer' },
      { flags: '--max-body-mb <n>', description: 'largest accepted image in MiB; larger bodies get 413', defaultValue: 20, type: 'number' },
      { flags: '--threads <n>', description: 'onnxruntime threads per worker (default: cores / workers)', type: 'integer' },
      { flags: '--kit-options <json>', description: 'model options per kit, e.g. \'{"ocr":{"limitSideLen":1280}}\'' },
      { flags: '--log', description: 'log every request (JSON lines on stdout)' },
    ],
    run: (_args, options, io) => runServe(options, io),
  },
  {
    name: 'batch',
    description:
      'Run a kit over a directory or glob of images into a JSON Lines file; rerun to resume (images with a row of the same kit and options are skipped). Exit code 0 when every image has a result, 1 while error rows remain, 130 when interrupted',
    arguments: '<kit> <input>',
    options: [
      { flags: '-o, --out <file>', description: 'JSON Lines output (folders are created); images with a row of the same kit and options are skipped', required: true },
      { flags: '--retry-errors', description: 'run again the images whose rows are errors (default: error rows count as done)' },
      { flags: '--concurrency <n>', description: 'images in parallel, each on its own copy of the models', defaultValue: 1, type: 'integer' },
      { flags: '--options <json>', description: 'per-image kit options, e.g. \'{"dropScore":0.8}\'' },
      { flags: '--kit-options <json>', description: 'model options, e.g. \'{"limitSideLen":1280}\'' },
    ],
    run: (args, options, io) => runBatchCommand(args, options, io),
  },
];
