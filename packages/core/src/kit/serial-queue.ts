import { ErrorCodes, SessionError } from '../errors';

/** Counters of a {@link SerialQueue}. */
export interface SerialQueueStats {
  /** Calls that finished (successfully or not). */
  runs: number;
  /** Calls that threw. */
  failures: number;
  /** Wall-clock ms spent running calls. */
  busyMs: number;
}

/**
 * Runs async calls one at a time, in order, and refuses new ones after `dispose`: the one
 * rule every kit pipeline (Ocr, Detector, HumanSeg, …) follows, so per-call timings and
 * onnxruntime counters stay exact and a released model is never touched.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private released: Promise<void> | undefined;
  private readonly counters: SerialQueueStats = { runs: 0, failures: 0, busyMs: 0 };

  /** @param label - Names the owner in the error thrown after dispose, e.g. `Detector`. */
  constructor(private readonly label: string) {}

  /** A snapshot of the counters. */
  get stats(): SerialQueueStats {
    return { ...this.counters };
  }

  /** True once {@link dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Queues `fn` behind every earlier call.
   * @throws SessionError `E_SESSION_RELEASED` (as a rejection) after {@link dispose}.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.disposed) {
      return Promise.reject(new SessionError(ErrorCodes.SESSION_RELEASED, `This ${this.label} was disposed; create a new one`, { details: { owner: this.label } }));
    }
    const timed = async (): Promise<T> => {
      const t0 = performance.now();
      try {
        return await fn();
      } catch (err) {
        this.counters.failures++;
        throw err;
      } finally {
        this.counters.runs++;
        this.counters.busyMs += performance.now() - t0;
      }
    };
    const next = this.tail.then(timed, timed);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Refuses new calls, waits for the queued ones, then calls `release` (once, however often
   * dispose is called).
   */
  dispose(release: () => Promise<void>): Promise<void> {
    this.disposed = true;
    this.released ??= this.tail.then(release);
    return this.released;
  }
}
