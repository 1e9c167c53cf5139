import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { RunnerSlot } from './runner-slot';
import { deserializeError } from './serialize-error';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';

/** Options of {@link WorkerSlot.start}. */
export interface WorkerSlotOptions {
  kit: string;
  createOptions?: Record<string, unknown>;
  /** The worker entry script; default the package's built `worker.js`. */
  script?: string;
  /** `execArgv` of the worker (e.g. a require hook when running from sources). */
  execArgv?: string[];
}

/**
 * The built worker entry next to this module. Always the CommonJS build, so the worker
 * requires the kits' CommonJS builds like the CLI does.
 */
export function defaultWorkerScript(): string {
  const script = join(__dirname, 'worker.js');
  if (!existsSync(script)) {
    throw new ModelkitError(ErrorCodes.UNAVAILABLE, `Worker script ${script} not found: build @modelkit/serve first, or serve with workers: 0`, {
      details: { script },
    });
  }
  return script;
}

interface Pending {
  resolve: (result: object) => void;
  reject: (err: Error) => void;
}

/**
 * A kit runner in its own worker thread. Loads the models once; runs one image at a time.
 * When the thread dies (a native crash, out of memory), the job it held fails with
 * E_UNAVAILABLE and the next job starts a fresh thread.
 */
export class WorkerSlot implements RunnerSlot {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  private constructor(private readonly options: Required<WorkerSlotOptions>) {}

  /** Starts the thread and resolves once its models are loaded. */
  static async start(options: WorkerSlotOptions): Promise<WorkerSlot> {
    const slot = new WorkerSlot({
      kit: options.kit,
      createOptions: options.createOptions ?? {},
      script: options.script ?? defaultWorkerScript(),
      execArgv: options.execArgv ?? [],
    });
    await slot.ensureWorker();
    return slot;
  }

  async run(image: Uint8Array | string, options: Record<string, unknown>): Promise<object> {
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    // Copy into a fresh buffer we can transfer: the request's Buffer may be a slice of a
    // pooled ArrayBuffer that other requests still use.
    const payload = typeof image === 'string' ? image : new Uint8Array(image);
    const message: ToWorker = { type: 'run', id, image: payload, options };
    return new Promise<object>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(message, typeof payload === 'string' ? [] : [payload.buffer as ArrayBuffer]);
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'dispose' } satisfies ToWorker);
    // A worker whose native code hangs on release must not hold up shutdown forever.
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private ensureWorker(): Promise<Worker> {
    if (this.disposed) return Promise.reject(new ModelkitError(ErrorCodes.UNAVAILABLE, 'The kit worker was shut down'));
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    const init: WorkerInit = { kit: this.options.kit, createOptions: this.options.createOptions };
    // The environment as this code sees it (MODELKIT_KITS_PATH, MODELKIT_HOME, ...): the worker finds kits and models as the server does.
    const worker = new Worker(this.options.script, { workerData: init, execArgv: this.options.execArgv, env: { ...process.env } });
    return new Promise<Worker>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          ready = true;
          this.worker = worker;
          resolve(worker);
        } else if (msg.type === 'failed') {
          void worker.terminate();
          reject(deserializeError(msg.error));
        } else if (msg.type === 'result' || msg.type === 'error') {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.type === 'result') p?.resolve(msg.result);
          else p?.reject(deserializeError(msg.error));
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready) {
          reject(new ModelkitError(ErrorCodes.UNAVAILABLE, `The ${this.options.kit} worker exited with code ${code} while loading`));
          return;
        }
        const lost = [...this.pending.values()];
        this.pending.clear();
        for (const p of lost) {
          p.reject(new ModelkitError(ErrorCodes.UNAVAILABLE, `The ${this.options.kit} worker stopped (exit code ${code}) while running this request`));
        }
      });
    });
  }
}
