/** Flags every queue command shares, and reading them. */
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { CliOption } from '@modelkit/core';
import { DEFAULT_PREFIX } from './queue-names';

/** Redis when `--redis` is not given. */
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** `--redis` and `--prefix`. */
export const CONNECTION_OPTIONS: CliOption[] = [
  { flags: '--redis <url>', description: 'Redis URL (rediss:// for TLS; password as redis://:PASSWORD@host:port)', defaultValue: DEFAULT_REDIS_URL },
  { flags: '--prefix <name>', description: 'key prefix, to run separate queues on one Redis', defaultValue: DEFAULT_PREFIX },
];

/** The Redis URL and prefix of parsed flags. */
export function connectionOf(o: Record<string, unknown>): { redis: string; prefix: string } {
  return {
    redis: typeof o.redis === 'string' ? o.redis : DEFAULT_REDIS_URL,
    prefix: typeof o.prefix === 'string' && o.prefix !== '' ? o.prefix : DEFAULT_PREFIX,
  };
}

/** A JSON object flag such as `--options '{"threshold":100}'`. */
export function jsonObjectOption(value: unknown, flag: string): Record<string, unknown> {
  if (value === undefined) return {};
  try {
    const parsed = JSON.parse(String(value)) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the usage error
  }
  throw new ModelkitError(ErrorCodes.USAGE, `${flag} must be a JSON object, got ${String(value)}`);
}

/** A comma-separated list flag such as `--kits ocr,det`; undefined when absent. */
export function listOption(value: unknown, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new ModelkitError(ErrorCodes.USAGE, `${flag} needs at least one name`);
  return names;
}

/** An integer flag (already parsed by the CLI), or `fallback`. */
export function intOption(value: unknown, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}
