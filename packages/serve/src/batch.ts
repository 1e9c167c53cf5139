import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, isAbsolute } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ErrorCodes, InvalidArgumentError, ModelkitError, emitProgress, isModelkitError } from '@modelkit/core';
import type { KitDefinition, KitRunner, ProgressCallback } from '@modelkit/core';
import { serializeError } from './serialize-error';

/** File extensions a directory input is searched for (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif'];

/** Options of {@link runBatch}. */
export interface BatchOptions {
  kit: KitDefinition;
  /** A directory (searched recursively for images) or a glob such as `scans/**\/*.jpg`. */
  input: string;
  /** The JSON Lines file results are appended to. */
  out: string;
  /** Images run at the same time, each on its own runner. Default 1. */
  concurrency?: number;
  /** Extra `createRunner` options. */
  kitOptions?: Record<string, unknown>;
  /** Per-image kit options. */
  runOptions?: Record<string, unknown>;
  onProgress?: ProgressCallback;
  /** Stops starting new images; images already running finish and are written. */
  signal?: AbortSignal;
}

/** What {@link runBatch} did. */
export interface BatchSummary {
  /** Images the input matched. */
  total: number;
  /** Images skipped because `out` already had a row for them. */
  skipped: number;
  /** Rows written by this run with a result. */
  succeeded: number;
  /** Rows written by this run with an error. */
  failed: number;
  /** True when the signal stopped the run before every image was done. */
  aborted: boolean;
}

/**
 * One row of the output file: `{"image": "<path>", "result": {...}}` or
 * `{"image": "<path>", "error": {"code", "message"}}`, plus the run time in ms.
 */
export interface BatchRow {
  image: string;
  result?: object;
  error?: { code?: string; name: string; message: string };
  ms: number;
}

/**
 * Runs a kit over many images into a JSON Lines file, resumably.
 *
 * - Rerunning skips every image that already has a row (result or error) in `out`.
 * - Each row is written with one `write` call of a whole line, so stopping (signal, Ctrl-C)
 *   leaves whole lines; a half line left by a hard kill is cut off on the next run.
 * - An image the kit cannot read (corrupt, empty, too large) becomes an error row. Any
 *   other failure (a broken model) stops the run and is thrown.
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`concurrency must be an integer >= 1, got ${String(concurrency)}`);
  }
  const images = await listImages(options.input);
  const done = readDoneImages(options.out);
  const todo = images.filter((i) => !done.has(i));
  const summary: BatchSummary = { total: images.length, skipped: images.length - todo.length, succeeded: 0, failed: 0, aborted: false };
  const task = `batch ${options.kit.name}`;
  emitProgress(options.onProgress, { task, phase: 'start', done: summary.skipped, total: images.length, unit: 'images' });
  if (todo.length === 0) {
    emitProgress(options.onProgress, { task, phase: 'end', done: summary.skipped, total: images.length, unit: 'images' });
    return summary;
  }

  const workers = Math.min(concurrency, todo.length);
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const runners: KitRunner[] = [];
  const fd = openSync(options.out, 'a');
  let fatal: unknown;
  try {
    for (let i = 0; i < workers; i++) runners.push(await options.kit.createRunner({ threads, ...options.kitOptions }));
    let next = 0;
    const loop = async (runner: KitRunner): Promise<void> => {
      while (next < todo.length && fatal === undefined) {
        if (options.signal?.aborted) {
          summary.aborted = true;
          return;
        }
        const image = todo[next++];
        const t0 = performance.now();
        const row: BatchRow = { image, ms: 0 };
        try {
          row.result = await runner.run(image, options.runOptions ?? {});
        } catch (err) {
          if (!isInputError(err)) {
            fatal = err;
            return;
          }
          row.error = serializeError(err);
        }
        row.ms = Math.round((performance.now() - t0) * 10) / 10;
        writeSync(fd, `${JSON.stringify(row)}\n`);
        if (row.error) summary.failed++;
        else summary.succeeded++;
        emitProgress(options.onProgress, {
          task,
          phase: 'progress',
          done: summary.skipped + summary.succeeded + summary.failed,
          total: images.length,
          unit: 'images',
          values: summary.failed > 0 ? { errors: summary.failed } : undefined,
        });
      }
    };
    await Promise.all(runners.map(loop));
  } finally {
    closeSync(fd);
    await Promise.all(runners.map((r) => r.dispose()));
    emitProgress(options.onProgress, {
      task,
      phase: 'end',
      done: summary.skipped + summary.succeeded + summary.failed,
      total: images.length,
      unit: 'images',
      message: summary.aborted ? 'stopped' : undefined,
    });
  }
  if (fatal !== undefined) throw fatal;
  return summary;
}

/** Errors that belong to one image rather than to the run. */
function isInputError(err: unknown): boolean {
  return (
    isModelkitError(err, ErrorCodes.IMAGE_DECODE) ||
    isModelkitError(err, ErrorCodes.IMAGE_EMPTY) ||
    isModelkitError(err, ErrorCodes.IMAGE_TOO_LARGE) ||
    isModelkitError(err, ErrorCodes.FILE_NOT_FOUND)
  );
}

/**
 * The images of a directory (recursive, by extension) or a glob, sorted so reruns and
 * progress are stable.
 * @throws ModelkitError E_FILE_NOT_FOUND when nothing matches.
 */
export async function listImages(input: string): Promise<string[]> {
  let files: string[];
  if (existsSync(input) && statSync(input).isDirectory()) {
    const all = await glob('**/*', { cwd: input, onlyFiles: true, absolute: false, dot: false });
    const base = input.replace(/[\\/]+$/, '');
    files = all.filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())).map((f) => `${base}/${f}`);
  } else if (isDynamicPattern(input)) {
    // tinyglobby answers relative to cwd; keep an absolute pattern's paths absolute.
    files = await glob(input, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(input) });
  } else if (existsSync(input)) {
    files = [input];
  } else {
    files = [];
  }
  if (files.length === 0) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `No images found at '${input}' (a directory or a glob such as 'dir/**/*.jpg')`, {
      details: { input },
    });
  }
  return files.sort();
}

/**
 * The `image` of every whole row in `out`. A last line without its newline (a hard kill in
 * the middle of a write) is cut off here, so the file stays valid JSON Lines.
 */
export function readDoneImages(out: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(out)) return done;
  const text = readFileSync(out, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) {
    const fd = openSync(out, 'r+');
    try {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
    } finally {
      closeSync(fd);
    }
  }
  for (const line of text.slice(0, end).split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row = JSON.parse(line) as Partial<BatchRow>;
      if (typeof row.image === 'string') done.add(row.image);
    } catch {
      // A malformed line (hand edits) does not mark anything done; its image runs again.
    }
  }
  return done;
}
