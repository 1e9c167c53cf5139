/**
 * Process-wide observers of session runs: a tool that drives a kit (calibration for int8
 * quantization, a profiler) sees exactly the tensors the kit feeds its models, without the
 * kit knowing about it and without copying the kit's preprocessing.
 */
import type { TensorData } from './types';

/** One run of an {@link InferenceSession}, as an observer sees it. */
export interface SessionRunEvent {
  /** The session's label: the model's file path when created from a path, else its `name` option. */
  readonly session: string;
  /**
   * The feeds, after they passed the checks. The arrays are the caller's own and may be
   * reused after the run (OCR's scratch buffers are): copy what you keep.
   */
  readonly feeds: Readonly<Record<string, TensorData>>;
}

/** Called synchronously before each run starts. */
export type SessionRunObserver = (event: SessionRunEvent) => void;

// One set per process, shared by every copy of core (ESM and CJS builds, a kit's own
// copy, jest's module registry next to Node's): a kit loaded from its package must report
// to an observer registered through another copy.
const KEY = Symbol.for('@modelkit/core/session-run-observers');

function observers(): Set<SessionRunObserver> {
  const g = globalThis as Record<symbol, unknown>;
  return (g[KEY] ??= new Set<SessionRunObserver>()) as Set<SessionRunObserver>;
}

/**
 * Calls `observer` with the feeds of every session run in this process until the returned
 * function is called. An observer that throws fails the run it observed.
 *
 * @example
 * const stop = observeSessionRuns(({ session, feeds }) => console.log(session, Object.keys(feeds)));
 * await kit.run(pipeline, 'photo.jpg', {});
 * stop();
 */
export function observeSessionRuns(observer: SessionRunObserver): () => void {
  const set = observers();
  // A wrapper per registration, so the same function registered twice is called twice
  // and each stop() removes only its own registration.
  const entry: SessionRunObserver = (event) => observer(event);
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}

/** @internal Tells every observer about a run (no-op when none is registered). */
export function notifyRunObservers(session: string, feeds: Readonly<Record<string, TensorData>>): void {
  const set = observers();
  if (set.size === 0) return;
  const event: SessionRunEvent = { session, feeds };
  for (const observer of [...set]) observer(event);
}
