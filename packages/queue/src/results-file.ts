/**
 * The results file of `queue results`: JSON Lines appended in whole chunks, each followed
 * by fsync, so a row on disk survives a crash of the machine before the job it came from
 * is removed from the queue.
 */
import { closeSync, createReadStream, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fsErrorOf } from '@modelkit/core';

const ROW_ID = /^\{"id":"([^"\\]+)"/;

/**
 * Cuts a last line without its newline (a write cut short by a crash), reading backwards
 * from the end only as far as that line: the file may be large.
 */
export function cutHalfLine(file: string): void {
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      if (first && block[n - 1] === 0x0a) return;
      first = false;
      const at = block.subarray(0, n).lastIndexOf(0x0a);
      if (at >= 0) {
        ftruncateSync(fd, start + at + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * Which of `ids` have a row in `file`, read as a stream (rows start with their `"id"`).
 * Cut a half last line first ({@link cutHalfLine}): it would count here.
 */
export async function idsInFile(file: string, ids: ReadonlySet<string>): Promise<Set<string>> {
  const found = new Set<string>();
  if (!existsSync(file) || ids.size === 0) return found;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    let id = ROW_ID.exec(line)?.[1];
    if (id === undefined && line.startsWith('{')) {
      try {
        const row = JSON.parse(line) as { id?: unknown };
        if (typeof row.id === 'string') id = row.id;
      } catch {
        // a malformed line names no job
      }
    }
    if (id !== undefined && ids.has(id)) found.add(id);
  }
  return found;
}

/** An open results file. */
export class ResultsFile {
  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {}

  /**
   * Opens `path` for appending, after cutting a half last line.
   * @throws ModelkitError E_NOT_WRITABLE, E_IS_A_DIRECTORY, … when it cannot be written.
   */
  static open(path: string): ResultsFile {
    try {
      const created = !existsSync(path);
      cutHalfLine(path);
      const fd = openSync(path, 'a');
      // A new file's name must survive a crash too, not only its contents.
      if (created) syncDir(dirname(path));
      return new ResultsFile(fd, path);
    } catch (err) {
      throw fsErrorOf(err, path, 'write') ?? err;
    }
  }

  /** Appends rows (one JSON object per line) in one write, then waits for the disk. */
  append(rows: readonly object[]): void {
    if (rows.length === 0) return;
    try {
      const data = Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      // write(2) may take less than asked (a signal, a full disk right at the end): loop.
      for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at, data.length - at);
      fsyncSync(this.fd);
    } catch (err) {
      throw fsErrorOf(err, this.path, 'write') ?? err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rows themselves are synced.
  }
}
