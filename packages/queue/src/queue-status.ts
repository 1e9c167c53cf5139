/**
 * `modelkit queue status`: per kit, how many jobs wait, run, are done or failed, how fast
 * they finish (BullMQ's per-minute metrics, recorded by the workers) and when the rest
 * will be done at that pace.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueKeys } from './queue-names';

/** One kit's queue at one moment. */
export interface KitQueueStatus {
  kit: string;
  /** Waiting for a worker (including jobs with a priority and a paused queue's). */
  waiting: number;
  /** Waiting for a retry's back-off to end. */
  delayed: number;
  /** Running. */
  active: number;
  /** Completed, result not drained yet. */
  completed: number;
  /** In the failed set (attempts used up or a bad input). */
  failed: number;
  /** Written to a results file by `queue results`. */
  drained: number;
  /** The server's requests waiting or running. */
  requests: number;
  /** Workers connected to the queue. */
  workers: number;
  /** Jobs finished per minute over the last five minutes; 0 when nothing finished lately. */
  perMinute: number;
  /** Seconds until waiting, delayed and running jobs are done at that pace; undefined when there is no pace. */
  etaSeconds: number | undefined;
}

/** Jobs of a status that are not finished yet. */
export function unfinished(s: KitQueueStatus): number {
  return s.waiting + s.delayed + s.active;
}

/** Jobs of a status that are finished (done, failed, or drained). */
export function finished(s: KitQueueStatus): number {
  return s.completed + s.failed + s.drained;
}

const WINDOW_MINUTES = 5;

/** What BullMQ's `getMetrics` answers. */
interface BullMetrics {
  meta: { count: number; prevTS: number; prevCount: number };
  data: number[];
}

/**
 * Jobs per minute from BullMQ's metrics: the jobs since its last data point (`count -
 * prevCount` since `prevTS`, a partial minute) plus up to four full minutes before it.
 * BullMQ writes a data point only when a job finishes in a later minute, so after the
 * workers stop the partial minute keeps growing and the pace falls towards 0.
 */
function pace(m: BullMetrics, now: number): number {
  const prevTS = Number(m.meta.prevTS ?? 0);
  if (!(prevTS > 0)) return 0;
  const full = m.data.slice(0, WINDOW_MINUTES - 1);
  const jobs = Number(m.meta.count ?? 0) - Number(m.meta.prevCount ?? 0) + full.reduce((a, b) => a + b, 0);
  const minutes = Math.max(now - prevTS, 1000) / 60_000 + full.length;
  return jobs / minutes;
}

/** The status of one kit's queues. */
export async function kitQueueStatus(kit: string, bulk: Queue, requests: Queue, redis: Redis, prefix: string, now = Date.now()): Promise<KitQueueStatus> {
  const [counts, requestCounts, drained, workers, completedMetrics, failedMetrics] = await Promise.all([
    bulk.getJobCounts('waiting', 'prioritized', 'paused', 'delayed', 'active', 'completed', 'failed'),
    requests.getJobCounts('waiting', 'prioritized', 'paused', 'delayed', 'active'),
    redis.scard(queueKeys(prefix, kit).drained),
    bulk.getWorkersCount(),
    bulk.getMetrics('completed', 0, WINDOW_MINUTES - 1),
    bulk.getMetrics('failed', 0, WINDOW_MINUTES - 1),
  ]);
  const perMinute = pace(completedMetrics, now) + pace(failedMetrics, now);
  const status: KitQueueStatus = {
    kit,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
    delayed: counts.delayed ?? 0,
    active: counts.active ?? 0,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    drained,
    requests: Object.values(requestCounts).reduce((a, b) => a + b, 0),
    workers,
    perMinute,
    etaSeconds: undefined,
  };
  const left = unfinished(status);
  status.etaSeconds = left === 0 ? 0 : perMinute > 0 ? Math.ceil((left / perMinute) * 60) : undefined;
  return status;
}

/** `90` → `1m30s`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The statuses as an aligned text table. */
export function formatStatusTable(statuses: readonly KitQueueStatus[]): string {
  const head = ['kit', 'waiting', 'active', 'delayed', 'done', 'failed', 'drained', 'requests', 'workers', 'jobs/min', 'eta'];
  const rows = statuses.map((s) => [
    s.kit,
    String(s.waiting),
    String(s.active),
    String(s.delayed),
    String(s.completed),
    String(s.failed),
    String(s.drained),
    String(s.requests),
    String(s.workers),
    s.perMinute.toFixed(1),
    formatDuration(s.etaSeconds),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n') + '\n';
}
