/**
 * The rows of a batch output file and what they say about resuming: which images are done
 * for one kit with one set of options. An image counts as done only under the same kit, the
 * same options and the same absolute path, so a results file of another kit, changed options,
 * or a relative and an absolute glob of the same files never skip or double an image.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsErrorOf } from '@modelkit/core';
import { canonicalJson } from './canonical-json';

/** The options a batch row was made with, as the user gave them. */
export interface BatchRowOptions {
  /** `createRunner` options (`--kit-options`), without the onnxruntime threads batch picks itself. */
  create: Record<string, unknown>;
  /** Per-image options (`--options`). */
  run: Record<string, unknown>;
}

/**
 * One row of the output file, a result or an error, e.g.
 * `{"image":"scans/a.png","path":"/home/me/scans/a.png","kit":"ocr","options":{"create":{},"run":{"dropScore":0.8}},"result":{…},"ms":123.4}`.
 */
export interface BatchRow {
  /** The image's path as the input listed it (relative when the input was). */
  image: string;
  /** The image's absolute path: with `kit` and `options`, what resume matches on. */
  path: string;
  /** The kit's name. */
  kit: string;
  options: BatchRowOptions;
  result?: object;
  error?: { code?: string; name: string; message: string };
  /** Run time in ms. */
  ms: number;
}

/** What one batch run is: the kit and options its rows carry. */
export interface BatchRunKey {
  kit: string;
  options: BatchRowOptions;
}

/** The state of one image under one run key: its last row's outcome. */
export type ImageStatus = 'ok' | 'error';

/**
 * The rows of `out` that parse as rows (an `image` string and a `result` or `error`), in file
 * order; malformed lines (hand edits) are left out. A last line without its newline (a hard
 * kill in the middle of a write) is cut off the file here, so it stays valid JSON Lines.
 *
 * Rows written before rows carried `kit`, `options` and `path` come back without them; they
 * match no run.
 *
 * @throws ModelkitError E_NOT_WRITABLE, E_IS_A_DIRECTORY… when `out` cannot be read or cut.
 */
export function readBatchRows(out: string): Partial<BatchRow>[] {
  if (!existsSync(out)) return [];
  let text: string;
  try {
    text = readFileSync(out, 'utf8');
  } catch (err) {
    throw fsErrorOf(err, out, 'read') ?? err;
  }
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) {
    try {
      const fd = openSync(out, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw fsErrorOf(err, out, 'write') ?? err;
    }
  }
  const rows: Partial<BatchRow>[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue; // a malformed line marks nothing done; its image runs again
    }
    if (isRow(row)) rows.push(row);
  }
  return rows;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isRow(v: unknown): v is Partial<BatchRow> {
  return isObject(v) && typeof v.image === 'string' && (isObject(v.result) || isObject(v.error));
}

/** The text two run keys compare by: kit name and options with sorted keys. */
function runKeyText(key: BatchRunKey): string {
  return canonicalJson({ kit: key.kit, options: { create: key.options.create, run: key.options.run } });
}

/** The run key a row was made with, or undefined for a row without one (older files). */
function rowKeyText(row: Partial<BatchRow>): string | undefined {
  if (typeof row.kit !== 'string' || !isObject(row.options)) return undefined;
  const { create, run } = row.options as Partial<BatchRowOptions>;
  if (!isObject(create) || !isObject(run)) return undefined;
  return runKeyText({ kit: row.kit, options: { create, run } });
}

/** A row's absolute image path: `path`, or for older rows `image` resolved from here. */
function rowPath(row: Partial<BatchRow>): string {
  return typeof row.path === 'string' ? row.path : resolve(row.image ?? '');
}

/**
 * What the rows of an output file say about one run key: per absolute image path, the
 * outcome of its last row with that key (a later row wins, so an error row fixed by a retry
 * counts as done), and how many rows were made with another kit or other options.
 */
export class ResumeIndex {
  private readonly key: string;
  private readonly status = new Map<string, ImageStatus>();
  private readonly others = new Map<string, number>();

  constructor(run: BatchRunKey) {
    this.key = runKeyText(run);
  }

  /** Adds rows in file order. */
  add(rows: Iterable<Partial<BatchRow>>): this {
    for (const row of rows) {
      const path = rowPath(row);
      if (rowKeyText(row) === this.key) this.status.set(path, row.error !== undefined ? 'error' : 'ok');
      else this.others.set(path, (this.others.get(path) ?? 0) + 1);
    }
    return this;
  }

  /** The outcome of the image's last row under this run key, if it has one. */
  statusOf(path: string): ImageStatus | undefined {
    return this.status.get(path);
  }

  /** True when the image needs no new run: its last row is a result, or an error and errors are not retried. */
  isDone(path: string, retryErrors: boolean): boolean {
    const status = this.status.get(path);
    return status === 'ok' || (status === 'error' && !retryErrors);
  }

  /** Every image path that {@link isDone}. */
  donePaths(retryErrors: boolean): Set<string> {
    return new Set([...this.status.keys()].filter((path) => this.isDone(path, retryErrors)));
  }

  /** Rows for the image made with another kit or other options. */
  otherRowsOf(path: string): number {
    return this.others.get(path) ?? 0;
  }
}
