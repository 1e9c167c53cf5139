import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { ErrorCodes, InvalidArgumentError, ModelkitError, checkOptions } from '@modelkit/core';
import type { KitDefinition } from '@modelkit/core';
import { toHttpError } from './http-errors';
import type { JobBackend } from './job-backend';
import { answerJobStatus, enqueueRequest } from './job-routes';
import { KitQueue } from './kit-queue';
import { loadKits } from './kit-loading';
import { listenErrorOf } from './listen-error';
import { ServerMetrics } from './metrics';
import { refuseOtherMethods } from './method-not-allowed';
import { readImageRequest } from './request-image';
import { InProcessSlot } from './runner-slot';
import type { RunnerSlot } from './runner-slot';
import { WorkerSlot } from './worker-slot';

/** PaddleHub Serving's port, so existing clients only change the path. */
export const DEFAULT_PORT = 8866;
/** Loopback: serving to the network is an explicit choice (`--host 0.0.0.0`). */
export const DEFAULT_HOST = '127.0.0.1';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Kits to serve, by name or definition. Default: every installed kit. */
  kits?: readonly (string | KitDefinition)[];
  /** Default {@link DEFAULT_HOST}. */
  host?: string;
  /** Default {@link DEFAULT_PORT}; 0 picks a free port. */
  port?: number;
  /**
   * Worker threads per kit, each with its own copy of the models. 0 runs one runner in the
   * server's thread instead. Default 1.
   */
  workers?: number;
  /** Requests that may wait per kit beyond the ones running; more get 429. Default 16. */
  queue?: number;
  /** Time limit of one request (queue wait + run) in ms; past it, 503. Default 30,000. */
  timeoutMs?: number;
  /** Largest accepted image in bytes (JSON base64 bodies may be 4/3 of this). Default 20 MiB. */
  maxBodyBytes?: number;
  /**
   * onnxruntime threads per runner. Default: the cores divided among all runners, at least
   * 1, so runners do not fight over cores.
   */
  threads?: number;
  /** Extra `createRunner` options per kit name, e.g. `{ ocr: { limitSideLen: 1280 } }`. */
  kitOptions?: Record<string, Record<string, unknown>>;
  /** Worker entry script (tests running from sources pass a require-hook bootstrap). */
  workerScript?: string;
  /** `execArgv` of worker threads. */
  workerExecArgv?: string[];
  /** Fastify request logging. Default false. */
  logger?: boolean;
  /**
   * Queue mode: enqueue requests on this backend (`modelkit serve --queue URL`) instead of
   * running models here; no model is loaded. `?async=1` answers 202 and `GET /v1/jobs/:id`
   * reports. A running server owns the backend: `close()` closes it (when `startServer`
   * throws, the caller still does).
   */
  jobs?: JobBackend;
  /** Queue mode: jobs that may wait per kit; past it requests get 429. Default 100. */
  maxQueueDepth?: number;
}

/** A running server. */
export interface ServerHandle {
  /** `http://host:port`. */
  url: string;
  host: string;
  port: number;
  /** The served kits' names. */
  kits: string[];
  /** Resolves when every kit's models are loaded; rejects when one fails to load. */
  ready: Promise<void>;
  /** The Fastify instance (for `inject` in tests, or extra routes). */
  app: FastifyInstance;
  /**
   * Graceful stop: refuses new requests (503, `/readyz` turns 503), lets in-flight ones
   * finish, then releases the models and worker threads. Idempotent.
   */
  close(): Promise<void>;
}

const PAGE_PATH = join(__dirname, '..', 'public', 'index.html');

/** Starts the HTTP server, then loads the models in the background (see `ready`). */
export async function startServer(options: ServeOptions = {}): Promise<ServerHandle> {
  const kits = resolveKits(options.kits);
  if (kits.length === 0) {
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, 'No kit to serve: install one (npm i @modelkit/ocr) or pass kits');
  }
  const workers = nonNegativeInt(options.workers ?? 1, 'workers');
  const maxQueue = nonNegativeInt(options.queue ?? 16, 'queue');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 20 * 1024 * 1024;
  const runnersPerKit = Math.max(1, workers);
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / (runnersPerKit * kits.length)));
  const jobs = options.jobs;
  const maxQueueDepth = nonNegativeInt(options.maxQueueDepth ?? 100, 'maxQueueDepth');
  // In queue mode no runner is made here, so the model options would only fail in every job.
  if (jobs) for (const kit of kits) checkOptions(kit.name, kit.createOptions, options.kitOptions?.[kit.name] ?? {});

  const queues = new Map<string, KitQueue>();
  const metrics = new ServerMetrics(() => queues.values());
  let closing = false;
  let loaded = false;
  const page = readFileSync(PAGE_PATH);

  const app = Fastify({
    logger: options.logger ?? false,
    // base64 inflates by 4/3; the JSON parser uses this global limit.
    bodyLimit: Math.ceil((maxBodyBytes * 4) / 3) + 4096,
  });
  // Two files, not one: with a limit of 1 busboy reports a second file as a limit breach
  // (413); at 2 it reaches readImageRequest, which refuses it as the client error it is.
  await app.register(multipart, { limits: { fileSize: maxBodyBytes, files: 2, fields: 64, fieldSize: 64 * 1024 } });
  app.addContentTypeParser(/^(image\/[\w.+-]+|application\/octet-stream)$/, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((err, req, reply) => sendError(reply, err, kitLabel(req)));
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `No route ${req.method} ${req.url}`), undefined, 404),
  );
  // Answers sent while closing end their connection: a kept-alive socket would otherwise
  // hold `close()` open until the client drops it.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url !== '/v1/:kit' || req.method !== 'POST') return;
    const kit = kitLabel(req);
    metrics.requests.inc({ kit, status: String(reply.statusCode) });
    metrics.duration.observe({ kit }, reply.elapsedTime / 1000);
  });

  function kitLabel(req: FastifyRequest): string {
    const kit = (req.params as { kit?: string } | undefined)?.kit;
    // Unknown names share one label so clients cannot grow the metric set without bound.
    return kit !== undefined && kits.some((k) => k.name === kit) ? kit : 'unknown';
  }

  function sendError(reply: FastifyReply, err: unknown, kit: string | undefined, statusOverride?: number): FastifyReply {
    const e = toHttpError(err);
    const code = e.body.error.code;
    if (kit !== undefined && code === ErrorCodes.SERVER_BUSY) metrics.rejections.inc({ kit, reason: 'queue_full' });
    if (kit !== undefined && (code === ErrorCodes.TIMEOUT || code === ErrorCodes.JOB_TIMEOUT)) metrics.rejections.inc({ kit, reason: 'timeout' });
    if (e.status >= 500 && code === 'E_INTERNAL') reply.log.error(err);
    return reply
      .status(statusOverride ?? e.status)
      .headers(e.headers)
      .send(e.body);
  }

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (jobs) {
      // Queue mode is ready while the queue answers: the depths come from it.
      const depths = await Promise.all(kits.map((k) => jobs.depth(k.name).catch(() => undefined)));
      const ready = loaded && !closing && depths.every((d) => d !== undefined);
      const state = Object.fromEntries(kits.map((k, i) => [k.name, { queued: depths[i] ?? null }]));
      return reply.status(ready ? 200 : 503).send({ ready, closing, queue: true, kits: state });
    }
    const ready = loaded && !closing;
    const state = Object.fromEntries([...queues.values()].map((q) => [q.kit, q.state()]));
    return reply.status(ready ? 200 : 503).send({ ready, closing, kits: state });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/v1/models', async () => ({
    kits: kits.map((k) => ({
      name: k.name,
      description: k.description,
      ready: jobs ? loaded : queues.has(k.name),
      models: k.modelCards.map((c) => ({
        id: c.id,
        task: c.task,
        version: c.version,
        description: c.description,
        license: c.license,
        files: c.files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })),
      })),
    })),
  }));
  app.post('/v1/:kit', async (req, reply) => {
    const name = (req.params as { kit: string }).kit;
    if (!kits.some((k) => k.name === name)) {
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `No kit '${name}' is served here; served: ${kits.map((k) => k.name).join(', ')}`, {
        details: { kit: name },
      });
    }
    if (closing) throw new ModelkitError(ErrorCodes.UNAVAILABLE, 'The server is shutting down');
    const wantsAsync = isAsyncRequest(req.query);
    if (jobs) {
      const { image, options: runOptions } = await readImageRequest(req, maxBodyBytes);
      const kit = kits.find((k) => k.name === name)!;
      // Checked here, so a typo is a 400 now rather than a failed job later.
      kit.checkRunOptions(runOptions);
      return enqueueRequest(jobs, reply, {
        kit: name,
        image,
        createOptions: options.kitOptions?.[name] ?? {},
        runOptions,
        async: wantsAsync,
        timeoutMs,
        maxQueueDepth,
      });
    }
    if (wantsAsync) throw new InvalidArgumentError('async=1 needs a job queue: start the server with --queue redis://HOST:PORT');
    const queue = queues.get(name);
    if (!queue) throw new ModelkitError(ErrorCodes.UNAVAILABLE, `The ${name} models are still loading`, { details: { retryAfter: 1 } });
    const { image, options: runOptions } = await readImageRequest(req, maxBodyBytes);
    // A client that hangs up while its request waits gives up its place in the queue.
    const abandoned = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abandoned.abort();
    });
    const result = await queue.submit(image, runOptions, abandoned.signal);
    return reply.send(result);
  });
  app.get('/v1/jobs/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!jobs) throw new ModelkitError(ErrorCodes.JOB_NOT_FOUND, `No job '${id}': this server runs kits itself (start it with --queue for jobs)`, { details: { id } });
    return answerJobStatus(jobs, reply, id);
  });
  for (const url of ['/', '/healthz', '/readyz', '/metrics', '/v1/models', '/v1/jobs/:id']) refuseOtherMethods(app, url, ['GET']);
  refuseOtherMethods(app, '/v1/:kit', ['POST']);

  const host = options.host ?? DEFAULT_HOST;
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  } catch (err) {
    // Nothing else has started yet: release the half-made server, then say what was wrong.
    await app.close().catch(() => undefined);
    throw listenErrorOf(err, { host, port: options.port ?? DEFAULT_PORT }) ?? err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);

  const ready = (async () => {
    if (jobs) {
      await jobs.ready();
      loaded = true;
      return;
    }
    for (const kit of kits) {
      const createOptions = { threads, ...options.kitOptions?.[kit.name] };
      const slots: RunnerSlot[] =
        workers === 0
          ? [new InProcessSlot(await kit.createRunner(createOptions))]
          : await Promise.all(
              Array.from({ length: workers }, () =>
                WorkerSlot.start({ kit: kit.name, createOptions, script: options.workerScript, execArgv: options.workerExecArgv }),
              ),
            );
      if (closing) {
        await Promise.all(slots.map((s) => s.dispose()));
        return;
      }
      queues.set(kit.name, new KitQueue(kit.name, slots, { maxQueue, timeoutMs }));
    }
    loaded = true;
  })();
  // The caller may look at `ready` late; an early failure must not be an unhandled rejection.
  ready.catch(() => undefined);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      await app.close();
      await ready.catch(() => undefined);
      await Promise.all([...queues.values()].map((q) => q.dispose()));
      await jobs?.close();
    })();
    return closed;
  };

  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, host, port, kits: kits.map((k) => k.name), ready, app, close };
}

function resolveKits(kits: ServeOptions['kits']): KitDefinition[] {
  if (kits === undefined) return loadKits();
  const names = kits.filter((k): k is string => typeof k === 'string');
  const loaded = names.length > 0 ? loadKits(names) : [];
  return kits.map((k) => (typeof k === 'string' ? loaded.find((d) => d.name === k)! : k));
}

/** `?async=1` (or `true`): answer 202 with a job id instead of waiting. */
function isAsyncRequest(query: unknown): boolean {
  const v = (query as Record<string, unknown> | null)?.async;
  return v === '1' || v === 'true';
}

function nonNegativeInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`${name} must be an integer >= 0, got ${String(v)}`);
  return v;
}
