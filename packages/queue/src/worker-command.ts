/** `modelkit worker`: runs jobs until SIGTERM, then drains and exits. */
import { EventEmitter } from 'node:events';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { CONNECTION_OPTIONS, connectionOf, intOption, listOption } from './cli-options';
import { DEFAULT_DOWNLOAD_LIMITS } from './download';
import { startMetricsServer } from './metrics-server';
import type { MetricsServer } from './metrics-server';
import { startQueueWorker } from './queue-worker';
import type { WorkerEvent } from './queue-worker';
import { redactRedisUrl } from './redis-connection';

/** Connection errors repeat while Redis is away; one line per message per this many ms. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Runs `modelkit worker` until SIGTERM or SIGINT on `signals`: the first stops pulling and
 * lets the jobs it holds finish and be stored (exit 0); a second stops at once (exit 130),
 * leaving those jobs to run again elsewhere.
 */
async function runWorkerCommand(o: Record<string, unknown>, io: CliIO, signals: EventEmitter = process): Promise<number> {
  const kits = listOption(o.kits, '--kits');
  if (!kits) throw new ModelkitError(ErrorCodes.USAGE, 'worker: --kits is required, e.g. --kits ocr,det');
  const { redis, prefix } = connectionOf(o);
  const lastError = new Map<string, number>();
  const onEvent = (e: WorkerEvent): void => {
    if (e.event === 'error') {
      const message = e.error?.message ?? '';
      const now = Date.now();
      if (now - (lastError.get(message) ?? -Infinity) >= ERROR_LOG_INTERVAL_MS) {
        lastError.set(message, now);
        io.stderr.write(`worker: ${message} (BullMQ reconnects by itself)\n`);
      }
      return;
    }
    if (o.log === true) io.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`);
  };
  io.stderr.write(`worker: loading ${kits.join(', ')} for ${redactRedisUrl(redis)}...\n`);
  const worker = await startQueueWorker({
    redis,
    prefix,
    kits,
    concurrency: intOption(o.concurrency, 1),
    threads: o.threads === undefined ? undefined : Number(o.threads),
    lockDurationMs: intOption(o.lockDuration, 30_000),
    stalledIntervalMs: intOption(o.stalledInterval, 30_000),
    download: {
      maxBytes: o.maxDownloadMb === undefined ? DEFAULT_DOWNLOAD_LIMITS.maxBytes : Math.round(Number(o.maxDownloadMb) * 1024 * 1024),
      timeoutMs: intOption(o.downloadTimeout, DEFAULT_DOWNLOAD_LIMITS.timeoutMs),
    },
    onEvent,
  });
  let metrics: MetricsServer | undefined;
  let code = 0;
  try {
    if (o.metricsPort !== undefined) {
      metrics = await startMetricsServer(worker.metrics.registry, Number(o.metricsPort), typeof o.metricsHost === 'string' ? o.metricsHost : undefined);
    }
    const where = metrics ? `; metrics on port ${metrics.port} (/metrics)` : '';
    io.stderr.write(`worker: ready; pulling ${kits.join(', ')} jobs (pid ${process.pid})${where}\n`);
    const signal = await new Promise<string>((resolve) => {
      signals.once('SIGTERM', () => resolve('SIGTERM'));
      signals.once('SIGINT', () => resolve('SIGINT'));
    });
    io.stderr.write(`worker: ${signal}, finishing ${worker.running()} jobs (again to stop at once)...\n`);
    const force = new Promise<void>((resolve) => {
      const now = (): void => {
        code = 130;
        resolve();
      };
      signals.once('SIGTERM', now);
      signals.once('SIGINT', now);
    });
    await Promise.race([worker.close(), force]);
    if (code === 130) await worker.close(true);
  } finally {
    signals.removeAllListeners('SIGTERM');
    signals.removeAllListeners('SIGINT');
    await metrics?.close();
    await worker.close(code === 130);
  }
  io.stderr.write(`worker: stopped${code === 130 ? ' without finishing its jobs; they run again elsewhere' : ''}\n`);
  return code;
}

/** The `worker` command. */
export const workerCommand: CliCommand = {
  name: 'worker',
  description:
    'Run queued jobs of the given kits (modelkit queue add, modelkit serve --queue) on worker threads; SIGTERM finishes the running jobs, then exits',
  options: [
    ...CONNECTION_OPTIONS,
    { flags: '--kits <list>', description: 'comma-separated kits to run, e.g. ocr,det (each installed here)', required: true },
    { flags: '--concurrency <n>', description: 'jobs at once per kit, each on its own worker thread with its own models', defaultValue: 1, type: 'integer' },
    { flags: '--threads <n>', description: 'onnxruntime threads per job (default: cores / (concurrency x kits))', type: 'integer' },
    { flags: '--metrics-port <n>', description: 'serve Prometheus metrics on this port (GET /metrics, /healthz); 0 picks one', type: 'integer' },
    { flags: '--metrics-host <host>', description: 'address for the metrics port', defaultValue: '0.0.0.0' },
    { flags: '--lock-duration <ms>', description: "a job of a worker that died runs again after this (must exceed the longest event-loop stall)", defaultValue: 30000, type: 'integer' },
    { flags: '--stalled-interval <ms>', description: 'how often to look for jobs of dead workers', defaultValue: 30000, type: 'integer' },
    { flags: '--max-download-mb <n>', description: 'largest input downloaded from a URL', defaultValue: 20, type: 'number' },
    { flags: '--download-timeout <ms>', description: 'time limit of one URL download', defaultValue: 30000, type: 'integer' },
    { flags: '--log', description: 'print one JSON line per job event (active, completed, retry, failed, stalled) on stdout' },
  ],
  run: (_args, options, io) => runWorkerCommand(options, io),
};
