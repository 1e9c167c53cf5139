/**
 * @modelkit/serve — HTTP serving with a browser demo, and resumable batch jobs, for every
 * installed modelkit kit.
 */
export { startServer, DEFAULT_HOST, DEFAULT_PORT } from './server';
export type { ServeOptions, ServerHandle } from './server';
export { runBatch, listImages, readDoneImages, IMAGE_EXTENSIONS } from './batch';
export type { BatchOptions, BatchSummary, BatchRow, BatchRowOptions, BatchRunKey } from './batch';
export { KitQueue } from './kit-queue';
export type { KitQueueOptions, KitQueueState } from './kit-queue';
export { loadKits } from './kit-loading';
export type { LoadKitsOptions } from './kit-loading';
export { InProcessSlot } from './runner-slot';
export type { RunnerSlot } from './runner-slot';
export { WorkerSlot, defaultWorkerScript } from './worker-slot';
export type { WorkerSlotOptions } from './worker-slot';
export { toHttpError } from './http-errors';
export type { ErrorBody, HttpError } from './http-errors';
export type { JobBackend, JobBackendFactory, JobBackendOptions, JobRequest, JobState, JobStatus } from './job-backend';
export { loadJobBackend } from './job-backend-loader';
export { readBatchRows } from './batch-rows';
export { canonicalJson } from './canonical-json';
export { listenErrorOf } from './listen-error';
export type { ListenTarget } from './listen-error';
export { serializeError, deserializeError } from './serialize-error';
export type { SerializedError } from './worker-protocol';
