/**
 * Readers for the parsed flags a kit command receives (`CliCommand.run`'s `options`).
 * Flags may arrive as strings (declared without `type`) or numbers (declared with
 * `type: 'number' | 'integer'`, or from a programmatic caller); these readers accept both
 * and turn anything else into a usage error that names the flag.
 */
import { ErrorCodes, ModelkitError } from '../errors';
import type { SessionOptions } from '../session/index';

/** `maxCandidates` → `max-candidates`: the flag as the user typed it, for messages. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The number under `key` (camel-cased flag name), or undefined when the flag is absent or
 * empty.
 *
 * @throws ModelkitError E_USAGE when the value is not a finite number.
 */
export function flagNumber(options: Record<string, unknown>, key: string): number | undefined {
  const v = options[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new ModelkitError(ErrorCodes.USAGE, `${flagName(key)} must be a number, got ${String(v)}`);
  return n;
}

/** The string under `key`, or undefined when the flag is absent (or not a string). */
export function flagString(options: Record<string, unknown>, key: string): string | undefined {
  const v = options[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Session options from the shared `--threads <n>` flag: `{ threads }`, or undefined when the
 * flag is absent so onnxruntime chooses.
 *
 * @throws ModelkitError E_USAGE when `--threads` is not a number.
 */
export function flagSession(options: Record<string, unknown>): SessionOptions | undefined {
  const threads = flagNumber(options, 'threads');
  return threads === undefined ? undefined : { threads };
}
