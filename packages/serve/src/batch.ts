import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, isAbsolute, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import {
  ErrorCodes,
  InvalidArgumentError,
  ModelkitError,
  checkOptions,
  emitProgress,
  fsErrorOf,
  isModelkitError,
  prepareOutputFile,
} from '@modelkit/core';
import type { KitDefinition, KitRunner, ProgressCallback } from '@modelkit/core';
import { ResumeIndex, readBatchRows } from './batch-rows';
import type { BatchRow, BatchRunKey } from './batch-rows';
import { serializeError } from './serialize-error';

export type { BatchRow, BatchRowOptions, BatchRunKey } from './batch-rows';

/** File extensions a directory input is searched for (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif'];

/** File extensions a directory input is searched for when the kit takes videos (`input: 'video'`). */
const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.flv', '.wmv', '.3gp', '.ogv', '.gif'];

/** Options of {@link runBatch}. */
export interface BatchOptions {
  kit: KitDefinition;
  /** A directory (searched recursively for images) or a glob such as `scans/**\/*.jpg`. */
  input: string;
  /** The JSON Lines file results are appended to; missing parent folders are created. */
  out: string;
  /** Images run at the same time, each on its own runner. Default 1. */
  concurrency?: number;
  /** Extra `createRunner` options. */
  kitOptions?: Record<string, unknown>;
  /** Per-image kit options. */
  runOptions?: Record<string, unknown>;
  /**
   * Run again the images whose last row (for this kit and options) is an error. Default
   * false: error rows count as done, like result rows.
   */
  retryErrors?: boolean;
  onProgress?: ProgressCallback;
  /** Stops starting new images; images already running finish and are written. */
  signal?: AbortSignal;
}

/** What {@link runBatch} did. */
export interface BatchSummary {
  /** Images the input matched. */
  total: number;
  /** Images skipped because `out` already had a row for them with the same kit and options. */
  skipped: number;
  /** Rows written by this run with a result. */
  succeeded: number;
  /** Rows written by this run with an error. */
  failed: number;
  /**
   * Images of this input whose last row for this kit and options is an error, counting rows
   * of earlier runs that were skipped. The CLI exits 1 while this is above 0.
   */
  errorsRemaining: number;
  /**
   * Rows already in `out` for the images this run ran, made with another kit or other
   * options (or by a version without them in its rows): kept, and the images ran again.
   */
  otherRows: number;
  /** True when the signal stopped the run before every image was done. */
  aborted: boolean;
}

/**
 * Runs a kit over many images into a JSON Lines file, resumably.
 *
 * - Every row records the kit, the options (`{create, run}`, as given) and the image's
 *   absolute `path` next to its listed `image`. A rerun skips an image only when a row has
 *   the same kit, options (compared with sorted keys) and path; the last such row wins.
 *   Rows of other kits or options are kept, and their images run again.
 * - Error rows count as done unless `retryErrors` is set.
 * - Each row is written with one `write` call of a whole line, so stopping (signal, Ctrl-C)
 *   leaves whole lines; a half line left by a hard kill is cut off on the next run.
 * - An image the kit cannot read (corrupt, empty, too large) becomes an error row. Any
 *   other failure (a broken model) stops the run and is thrown.
 *
 * @throws ModelkitError before anything runs: E_IS_A_DIRECTORY, E_NOT_WRITABLE,
 *   E_NOT_A_DIRECTORY for a bad `out`; E_INVALID_ARGUMENT for bad options; E_FILE_NOT_FOUND
 *   when the input matches no image; E_OUTPUT_CONFLICT when `out` is one of the inputs.
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const { kit } = options;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`concurrency must be an integer >= 1, got ${String(concurrency)}`);
  }
  // Cheap checks first, so a bad path or option fails before images are listed or models load.
  const out = await prepareOutputFile(options.out);
  const runKey: BatchRunKey = { kit: kit.name, options: { create: options.kitOptions ?? {}, run: options.runOptions ?? {} } };
  checkOptions(kit.name, kit.createOptions, runKey.options.create);
  kit.checkRunOptions(runKey.options.run);

  const images = uniqueByPath(await listImages(options.input, kit.input === 'video' ? VIDEO_EXTENSIONS : IMAGE_EXTENSIONS));
  const clash = images.find((i) => i.path === out);
  if (clash) {
    throw new ModelkitError(ErrorCodes.OUTPUT_CONFLICT, `The output ${options.out} is one of the inputs (${clash.image}); choose another --out or input`, {
      details: { path: out },
    });
  }
  const index = new ResumeIndex(runKey).add(readBatchRows(out));
  const todo = images.filter((i) => !index.isDone(i.path, options.retryErrors === true));
  const summary: BatchSummary = {
    total: images.length,
    skipped: images.length - todo.length,
    succeeded: 0,
    failed: 0,
    errorsRemaining: 0,
    otherRows: todo.reduce((n, i) => n + index.otherRowsOf(i.path), 0),
    aborted: false,
  };
  const remainingErrors = (): number => images.filter((i) => index.statusOf(i.path) === 'error').length;
  const task = `batch ${kit.name}`;
  emitProgress(options.onProgress, { task, phase: 'start', done: summary.skipped, total: images.length, unit: 'images' });
  if (todo.length === 0) {
    summary.errorsRemaining = remainingErrors();
    emitProgress(options.onProgress, { task, phase: 'end', done: summary.skipped, total: images.length, unit: 'images' });
    return summary;
  }

  const workers = Math.min(concurrency, todo.length);
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const runners: KitRunner[] = [];
  let fd: number;
  try {
    fd = openSync(out, 'a');
  } catch (err) {
    throw fsErrorOf(err, out, 'write') ?? err;
  }
  let fatal: unknown;
  try {
    for (let i = 0; i < workers; i++) runners.push(await kit.createRunner({ threads, ...runKey.options.create }));
    let next = 0;
    const loop = async (runner: KitRunner): Promise<void> => {
      while (next < todo.length && fatal === undefined) {
        if (options.signal?.aborted) {
          summary.aborted = true;
          return;
        }
        const { image, path } = todo[next++];
        const t0 = performance.now();
        let outcome: Pick<BatchRow, 'result' | 'error'>;
        try {
          outcome = { result: await runner.run(image, runKey.options.run) };
        } catch (err) {
          if (!isInputError(err)) {
            fatal = err;
            return;
          }
          outcome = { error: serializeError(err) };
        }
        const ms = Math.round((performance.now() - t0) * 10) / 10;
        const row: BatchRow = { image, path, kit: runKey.kit, options: runKey.options, ...outcome, ms };
        try {
          writeSync(fd, `${JSON.stringify(row)}\n`);
        } catch (err) {
          fatal = fsErrorOf(err, out, 'write') ?? err;
          return;
        }
        index.add([row]);
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
  summary.errorsRemaining = remainingErrors();
  return summary;
}

/** Listed images with their absolute paths, the first listing of each path kept. */
function uniqueByPath(images: readonly string[]): { image: string; path: string }[] {
  const seen = new Set<string>();
  const out: { image: string; path: string }[] = [];
  for (const image of images) {
    const path = resolve(image);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ image, path });
  }
  return out;
}

/** Errors that belong to one image rather than to the run. */
function isInputError(err: unknown): boolean {
  return (
    isModelkitError(err, ErrorCodes.IMAGE_DECODE) ||
    isModelkitError(err, ErrorCodes.IMAGE_EMPTY) ||
    isModelkitError(err, ErrorCodes.IMAGE_TOO_LARGE) ||
    isModelkitError(err, ErrorCodes.FILE_NOT_FOUND) ||
    isModelkitError(err, ErrorCodes.VIDEO_DECODE) ||
    isModelkitError(err, ErrorCodes.VIDEO_TOO_LONG)
  );
}

/**
 * The images (or, with `VIDEO_EXTENSIONS`, videos) of a directory (recursive, by
 * extension) or a glob, sorted so reruns and progress are stable.
 * @throws ModelkitError E_FILE_NOT_FOUND when nothing matches.
 */
export async function listImages(input: string, extensions: readonly string[] = IMAGE_EXTENSIONS): Promise<string[]> {
  let files: string[];
  if (existsSync(input) && statSync(input).isDirectory()) {
    const all = await glob('**/*', { cwd: input, onlyFiles: true, absolute: false, dot: false });
    const base = input.replace(/[\\/]+$/, '');
    files = all.filter((f) => extensions.includes(extname(f).toLowerCase())).map((f) => `${base}/${f}`);
  } else if (isDynamicPattern(input)) {
    // tinyglobby answers relative to cwd; keep an absolute pattern's paths absolute.
    files = await glob(input, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(input) });
  } else if (existsSync(input)) {
    files = [input];
  } else {
    files = [];
  }
  if (files.length === 0) {
    const [what, example] = extensions === VIDEO_EXTENSIONS ? ['videos', '*.mp4'] : extensions === IMAGE_EXTENSIONS ? ['images', '*.jpg'] : ['files', `*${extensions[0] ?? ''}`];
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `No ${what} found at '${input}' (a directory or a glob such as 'dir/**/${example}')`, {
      details: { input },
    });
  }
  return files.sort();
}

/**
 * The absolute paths of the images `out` has a row for under `run` (same kit, same options),
 * the last row per image deciding: result rows always, error rows unless `retryErrors`.
 * Cuts off a half last line (see {@link readBatchRows}).
 */
export function readDoneImages(out: string, run: BatchRunKey & { retryErrors?: boolean }): Set<string> {
  return new ResumeIndex(run).add(readBatchRows(out)).donePaths(run.retryErrors === true);
}
