/**
 * A worker's Prometheus metrics: jobs by outcome, run time, runner occupancy and the
 * queues' own counts (read from Redis at scrape time, so any one worker shows the whole
 * queue), plus prom-client's process metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueKind } from './queue-names';
import type { SlotPoolState } from './slot-pool';

/** Job counts of one kit's queue, by state. */
type QueueCounts = Record<string, number>;

/** Where the gauges read their values at scrape time. */
export interface WorkerMetricsSources {
  /** Runner occupancy per kit. */
  pools(): Iterable<{ kit: string; state: SlotPoolState }>;
  /** BullMQ job counts per kit and queue kind; a rejection leaves the gauge as it was. */
  queueCounts(): Promise<{ kit: string; kind: QueueKind; counts: QueueCounts }[]>;
}

/** The metrics of one `modelkit worker` process, in a registry of its own. */
export class WorkerMetrics {
  readonly registry = new Registry();
  /** Finished attempts by kit, queue kind and outcome (`completed`, `failed`: final, `retried`: will run again). */
  readonly jobs: Counter<'kit' | 'queue' | 'outcome'>;
  /** Kit run time of completed jobs. */
  readonly duration: Histogram<'kit'>;

  constructor(sources: WorkerMetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    this.jobs = new Counter({
      name: 'modelkit_worker_jobs_total',
      help: 'Job attempts finished by this worker, by kit, queue (bulk, http) and outcome (completed, failed, retried)',
      labelNames: ['kit', 'queue', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'modelkit_worker_job_duration_seconds',
      help: 'Kit run time of completed jobs in seconds (download and waiting for a runner not counted)',
      labelNames: ['kit'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    new Gauge({
      name: 'modelkit_worker_runners_busy',
      help: 'Runners of this worker running a job, by kit',
      labelNames: ['kit'],
      registers: [this.registry],
      collect() {
        for (const p of sources.pools()) this.set({ kit: p.kit }, p.state.busy);
      },
    });
    new Gauge({
      name: 'modelkit_worker_runners',
      help: 'Runners (worker threads with models loaded) of this worker, by kit',
      labelNames: ['kit'],
      registers: [this.registry],
      collect() {
        for (const p of sources.pools()) this.set({ kit: p.kit }, p.state.slots);
      },
    });
    new Gauge({
      name: 'modelkit_queue_jobs',
      help: 'Jobs in the queue (all workers), by kit, queue (bulk, http) and state (waiting, active, delayed, completed, failed)',
      labelNames: ['kit', 'queue', 'state'],
      registers: [this.registry],
      async collect() {
        try {
          for (const { kit, kind, counts } of await sources.queueCounts()) {
            for (const [state, n] of Object.entries(counts)) this.set({ kit, queue: kind, state }, n);
          }
        } catch {
          // Redis is away: a scrape still answers, with the last values.
        }
      },
    });
    new Gauge({
      name: 'modelkit_rss_bytes',
      help: 'Resident set size of the worker process (all worker threads included)',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }
}
