import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { KitQueue } from './kit-queue';

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'kit' | 'status'>;
  readonly duration: Histogram<'kit'>;
  readonly rejections: Counter<'kit' | 'reason'>;

  constructor(queues: () => Iterable<KitQueue>) {
    // process_resident_memory_bytes, heap, event-loop lag, GC: what a leak hunt needs.
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'modelkit_requests_total',
      help: 'Inference requests by kit and HTTP status',
      labelNames: ['kit', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'modelkit_request_duration_seconds',
      help: 'Inference request latency (queue wait + run) in seconds',
      labelNames: ['kit'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.rejections = new Counter({
      name: 'modelkit_rejections_total',
      help: 'Requests refused because the queue was full (queue_full) or that ran out of time (timeout)',
      labelNames: ['kit', 'reason'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'modelkit_queue_depth',
      help: 'Requests waiting for a free runner, by kit',
      labelNames: ['kit'],
      registers: [this.registry],
      collect() {
        for (const q of queues()) this.set({ kit: q.kit }, q.state().waiting);
      },
    });
    new Gauge({
      name: 'modelkit_in_flight',
      help: 'Requests running on a runner, by kit',
      labelNames: ['kit'],
      registers: [this.registry],
      collect() {
        for (const q of queues()) this.set({ kit: q.kit }, q.state().busy);
      },
    });
    new Gauge({
      name: 'modelkit_rss_bytes',
      help: 'Resident set size of the server process (all worker threads included)',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }
}
