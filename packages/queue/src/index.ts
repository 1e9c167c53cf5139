/**
 * @modelkit/queue — a job queue on Redis (BullMQ) for every installed modelkit kit:
 * workers on many machines, results drained exactly once, crash recovery.
 */
export { addJobs, DEFAULT_ATTEMPTS, DEFAULT_PRIORITY } from './add-jobs';
export type { AddJobsOptions, AddSummary, BulkQueue } from './add-jobs';
export { drainResults } from './drain-results';
export type { DrainOptions, DrainSummary, QueueResultRow } from './drain-results';
export { download, DEFAULT_DOWNLOAD_LIMITS } from './download';
export type { DownloadLimits } from './download';
export { walkInput, readInputList, isUrlInput } from './input-walk';
export type { InputItem } from './input-walk';
export type { QueueJobData, QueueJobResult } from './job-data';
export { jobIdOf } from './job-id';
export { DEFAULT_PREFIX, queueName } from './queue-names';
export type { QueueKind } from './queue-names';
export { QueueSession } from './queue-session';
export { kitQueueStatus } from './queue-status';
export type { KitQueueStatus } from './queue-status';
export { startQueueWorker } from './queue-worker';
export type { QueueWorkerHandle, QueueWorkerOptions, WorkerEvent } from './queue-worker';
export { createJobBackend } from './redis-job-backend';
export type { RedisJobBackendOptions } from './redis-job-backend';
export { checkRedis, openRedis, redisOptionsOf } from './redis-connection';
export { SlotPool } from './slot-pool';
export type { SlotFactory, SlotPoolState } from './slot-pool';
