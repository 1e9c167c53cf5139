/**
 * Where things live in Redis. Every kit has two BullMQ queues: one for inputs added with
 * `modelkit queue add` (drained into results files) and one for the server's requests
 * (read back by the server, then expired). Keeping them apart means the server's depth
 * limit counts only requests, a million queued files never make it answer 429, and the
 * request queue may expire its results without touching a file's undrained ones.
 */

/** Key prefix of every queue (BullMQ's `prefix`). */
export const DEFAULT_PREFIX = 'modelkit';

/** Which of a kit's two queues. */
export type QueueKind = 'bulk' | 'http';

/** The BullMQ queue name of a kit's queue. */
export function queueName(kit: string, kind: QueueKind): string {
  return kind === 'bulk' ? kit : `${kit}.http`;
}

/** Keys of our own next to BullMQ's, under the kit's bulk queue. */
export function queueKeys(prefix: string, kit: string): { drained: string; lock: string; journal: string } {
  const base = `${prefix}:${queueName(kit, 'bulk')}`;
  return {
    /** Ids of jobs whose rows were written to a results file (a set). */
    drained: `${base}:mk-drained`,
    /** Held by the one `queue results` that drains this queue. */
    lock: `${base}:mk-drain-lock`,
    /** The chunk a drain is writing: file and ids, until they are removed from the queue. */
    journal: `${base}:mk-drain-journal`,
  };
}

/** The set of kit names that have queues, so status and results find them without a scan. */
export function kitsKey(prefix: string): string {
  // '~' is not allowed in kit names, so this never collides with a queue's keys.
  return `${prefix}:~kits`;
}
