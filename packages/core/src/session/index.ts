/** Inference sessions over onnxruntime-node with plain-data tensors and checked feeds. */
export { InferenceSession } from './inference-session';
export type { SessionOptions, SessionStats, TensorSpec, TensorArray, TensorData } from './types';
export { observeSessionRuns } from './run-observers';
export type { SessionRunEvent, SessionRunObserver } from './run-observers';
