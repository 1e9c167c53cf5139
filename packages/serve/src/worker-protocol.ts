/** Messages between the server thread and a kit worker thread. @internal */

/** `workerData` of a kit worker. */
export interface WorkerInit {
  /** Kit name; the worker requires `@modelkit/<kit>`. */
  kit: string;
  /** Options for `kit.createRunner`. */
  createOptions: Record<string, unknown>;
}

/** A JSON-safe error: a ModelkitError's fields, or name and message of anything else. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** Server -> worker. */
export type ToWorker =
  | { type: 'run'; id: number; image: Uint8Array | string; options: Record<string, unknown> }
  | { type: 'dispose' };

/** Worker -> server. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; result: object }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'disposed' };
