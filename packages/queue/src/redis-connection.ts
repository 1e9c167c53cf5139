/**
 * Reading `--redis URL` and checking the server answers before any queue is made, so a
 * wrong URL or a stopped Redis is one clear line instead of BullMQ retrying forever.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** Oldest Redis the queue runs on: BullMQ's scripts and SMISMEMBER need 6.2. */
const MIN_REDIS = [6, 2] as const;

/** A Redis URL with its password replaced by `***`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * ioredis options from `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS).
 * @throws ModelkitError E_USAGE for anything else.
 */
export function redisOptionsOf(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(url);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw usage(url);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw usage(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(db !== '' && { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  };
}

function usage(url: string): ModelkitError {
  return new ModelkitError(ErrorCodes.USAGE, `--redis must be a URL such as redis://127.0.0.1:6379 (rediss:// for TLS), got '${redactRedisUrl(url)}'`);
}

/** The typed error for a Redis that cannot be reached. */
export function unreachableError(url: string, cause: unknown): ModelkitError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ModelkitError(ErrorCodes.QUEUE_UNREACHABLE, `Cannot reach Redis at ${redactRedisUrl(url)} (${why}); start redis-server or fix --redis`, {
    cause,
    details: { url: redactRedisUrl(url) },
  });
}

/**
 * Connects once, without retrying, and checks the server's version.
 * @throws ModelkitError E_QUEUE_UNREACHABLE when it does not answer within `timeoutMs`
 *   or refuses us; E_UNAVAILABLE for a Redis older than 6.2.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({
    ...redisOptionsOf(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Errors also arrive as events; without a listener Node would print them as unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && (Number(version[1]) < MIN_REDIS[0] || (Number(version[1]) === MIN_REDIS[0] && Number(version[2]) < MIN_REDIS[1]))) {
      throw new ModelkitError(ErrorCodes.UNAVAILABLE, `Redis ${version[1]}.${version[2]} at ${redactRedisUrl(url)} is too old: the queue needs ${MIN_REDIS.join('.')} or newer`);
    }
  } catch (err) {
    if (err instanceof ModelkitError) throw err;
    throw unreachableError(url, err);
  } finally {
    client.disconnect();
  }
}

/**
 * A client for our own keys next to BullMQ's (drained ids, the results lock), and the
 * connection the command's queues share. Connection errors are left to the commands that
 * fail on them.
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisOptionsOf(url), ...options });
  client.on('error', () => undefined);
  return client;
}
