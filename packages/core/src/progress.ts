/**
 * One progress event type for everything long-running: downloads, batch inference and
 * training all report through {@link ProgressCallback}, so one CLI bar renders them all.
 */

/** The unit a progress counter counts. */
export type ProgressUnit = 'bytes' | 'images' | 'items' | 'steps' | 'epochs' | 'trials';

/** A progress report. `done`/`total` count `unit`s; `total` is absent when unknown. */
export interface ProgressEvent {
  /** What is progressing, e.g. `download ppocr-v4-det/det.onnx`, `ocr batch`, `train`. */
  task: string;
  /** `start` once, `progress` any number of times, `end` once (also after failure). */
  phase: 'start' | 'progress' | 'end';
  done: number;
  total?: number;
  unit: ProgressUnit;
  /** Free-form extra values shown beside the bar, e.g. `{ loss: 0.12, acc: 0.97 }`. */
  values?: Record<string, number | string>;
  /** A short status message. */
  message?: string;
}

/** Receives progress events. Must not throw; it is called on the hot path. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** Calls `cb` if given, swallowing errors thrown by user callbacks so work is never lost. */
export function emitProgress(cb: ProgressCallback | undefined, event: ProgressEvent): void {
  if (!cb) return;
  try {
    cb(event);
  } catch {
    // A faulty progress callback must not abort a download or a training run.
  }
}
