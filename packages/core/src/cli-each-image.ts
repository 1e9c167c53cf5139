/**
 * The per-image loop every kit command shares (`ocr a.png b.jpg`, `det ...`, `seg ...`):
 * one bad image is reported and the others still run, and the exit code says whether
 * any failed.
 */
import { basename, extname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { CliIO } from './cli-command';
import { isModelkitError } from './errors';

/** Options of {@link forEachImage}. */
export interface ForEachImageOptions {
  /** Report a failed image as a JSON line `{"image","error"}` on stdout (for `--json`) instead of a text line on stderr. */
  json?: boolean;
}

/**
 * Runs `each` on every image, in order. A ModelkitError thrown for one image (missing
 * file, corrupt bytes, too many pixels) is reported and counted, and the next image runs;
 * any other error is a bug and propagates.
 *
 * @returns the exit code: 0 when every image succeeded, else 1.
 */
export async function forEachImage(
  images: readonly string[],
  io: CliIO,
  options: ForEachImageOptions,
  each: (image: string) => Promise<void>,
): Promise<number> {
  let failures = 0;
  for (const image of images) {
    try {
      await each(image);
    } catch (err) {
      if (!isModelkitError(err)) throw err;
      failures++;
      if (options.json) writeJsonLine(io.stdout, { image, error: err.toJSON() });
      else io.stderr.write(`${image}: ${err.code}: ${err.message}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

/** Writes `value` as one line of JSON (JSONL). */
export function writeJsonLine(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** `dir/<image name without extension><suffix>`, e.g. `out/street.det.png` for `photos/street.jpg`. */
export function outputPathFor(dir: string, image: string, suffix: string): string {
  return join(dir, `${basename(image, extname(image))}${suffix}`);
}

/** Rounds to `digits` decimals, to keep printed JSON short. */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
