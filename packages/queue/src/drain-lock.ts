import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

// Renew or delete only our own lock: a lock that expired and was taken by another
// process must not be extended or released by us.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * The lock one `queue results` holds on a queue while it drains it: two drains at once
 * could both write a job before either removed it. It expires on its own (a drain killed
 * with SIGKILL blocks others for at most `ttlMs`) and is renewed while held.
 */
export class DrainLock {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly token: string,
  ) {}

  /**
   * @throws ModelkitError E_QUEUE_LOCKED when another process holds it.
   */
  static async acquire(redis: Redis, key: string, what: string, ttlMs = 30_000): Promise<DrainLock> {
    const token = randomUUID();
    const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') {
      const left = await redis.pttl(key);
      throw new ModelkitError(ErrorCodes.QUEUE_LOCKED, `Another 'modelkit queue results' is draining ${what}; wait for it to finish (its lock expires within ${Math.ceil(Math.max(left, 0) / 1000)} s if it died)`, {
        details: { key },
      });
    }
    const lock = new DrainLock(redis, key, token);
    lock.timer = setInterval(() => {
      redis.eval(RENEW, 1, key, token, String(ttlMs)).then(
        (renewed) => {
          if (renewed !== 1) lock.lost = true;
        },
        () => undefined, // Redis away: the next renewal tries again; losing it shows up as `lost`
      );
    }, Math.floor(ttlMs / 3));
    lock.timer.unref();
    return lock;
  }

  /** @throws ModelkitError E_QUEUE_LOCKED when the lock expired (Redis away longer than its ttl) and may be someone else's now. */
  assertHeld(): void {
    if (this.lost) throw new ModelkitError(ErrorCodes.QUEUE_LOCKED, `Lost the results lock ${this.key}; stopped so no row is written twice. Run the command again`, { details: { key: this.key } });
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
