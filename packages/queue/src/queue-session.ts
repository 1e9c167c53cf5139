/**
 * The connections one queue command uses: a client for our own keys and the kits' BullMQ
 * queues, opened after checking Redis answers, all closed together.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { QueueJobData, QueueJobResult } from './job-data';
import { kitsKey, queueName } from './queue-names';
import type { QueueKind } from './queue-names';
import { checkRedis, openRedis, redisOptionsOf } from './redis-connection';

/** A kit's queue of either kind. */
export type KitQueue = Queue<QueueJobData, QueueJobResult>;

/** Open connections to one Redis. */
export class QueueSession {
  private readonly queues = new Map<string, KitQueue>();

  private constructor(
    readonly url: string,
    readonly prefix: string,
    /** For our own keys. */
    readonly redis: Redis,
  ) {}

  /** @throws ModelkitError E_QUEUE_UNREACHABLE when Redis does not answer. */
  static async open(url: string, prefix: string): Promise<QueueSession> {
    await checkRedis(url);
    return new QueueSession(url, prefix, openRedis(url, { maxRetriesPerRequest: 3 }));
  }

  /** A kit's queue (opened once). */
  queue(kit: string, kind: QueueKind = 'bulk'): KitQueue {
    const name = queueName(kit, kind);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<QueueJobData, QueueJobResult>(name, { connection: redisOptionsOf(this.url), prefix: this.prefix });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * The kits given, or every kit that has queues here.
   * @throws ModelkitError E_KIT_NOT_FOUND when none is given and none has queues.
   */
  async kits(given: readonly string[] | undefined): Promise<string[]> {
    if (given !== undefined) return [...given];
    const known = (await this.redis.smembers(kitsKey(this.prefix))).sort();
    if (known.length === 0) {
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `No queues under prefix '${this.prefix}' yet: add inputs with 'modelkit queue add KIT INPUT' or start a worker`);
    }
    return known;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }
}
