export { Trainer, type TrainerOptions, type FitOptions, type FitResult } from './trainer';
export { saveCheckpoint, loadCheckpoint, type CheckpointState, type WeightData, type BestRecord } from './checkpoint';
export { TrainingLog, parseTrainingLog, type LogRecord } from './training-log';
