/**
 * The per-input loop every kit command shares (`ocr a.png b.jpg`, `det ...`, `seg ...`):
 * one bad input is reported and the others still run, and the exit code says whether
 * any failed.
 */
import type { Writable } from 'node:stream';
import type { CliIO } from './cli-command';
import { isModelkitError } from '../errors';

/** Options of {@link forEachInput}. */
export interface ForEachInputOptions {
  /** Report a failed input as a JSON line `{"image","error"}` on stdout (for `--json`) instead of a text line on stderr. */
  json?: boolean;
}

/**
 * Runs `each` on every input, in order. A ModelkitError thrown for one input (missing
 * file, corrupt bytes, too many pixels) is reported and counted, and the next input runs;
 * any other error is a bug and propagates.
 *
 * @returns the exit code: 0 when every input succeeded, else 1.
 */
export async function forEachInput(
  inputs: readonly string[],
  io: CliIO,
  options: ForEachInputOptions,
  each: (input: string) => Promise<void>,
): Promise<number> {
  let failures = 0;
  for (const input of inputs) {
    try {
      await each(input);
    } catch (err) {
      if (!isModelkitError(err)) throw err;
      failures++;
      if (options.json) writeJsonLine(io.stdout, { image: input, error: err.toJSON() });
      else io.stderr.write(`${input}: ${err.code}: ${err.message}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

/** Writes `value` as one line of JSON (JSONL). */
export function writeJsonLine(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** Rounds to `digits` decimals, to keep printed JSON short. */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
