/** `train classify`: image classification from a folder of class subfolders, end to end. */
export * from './classify-config';
export { loadClassifyData, type ClassifyData, type LoadClassifyDataOptions, type SkippedImage } from './classify-data';
export { MemoryImageDataset } from './memory-image-dataset';
export { buildClassifierAugment, buildClassifierModel, buildClassifierOptimizer } from './build-classifier';
export { exportClassifier, CLASSIFIER_FILES, CLASSIFIER_IO, type ExportedClassifier } from './export-classifier';
export { loadTrainedClassifier, type TrainedClassifier } from './trained-classifier';
export { loadWeightsInto } from './load-weights';
export { OnnxClassifier, type ClassScore, type OnnxClassifierOptions } from './onnx-classifier';
export { loadClassifierImage, classifierInputSpec } from './preprocess';
export { trainClassifier, type ClassifySummary, type TrainClassifierOptions } from './train-classifier';
export type { TransferPhase } from './train-transfer';
export { resolveTeacher, matchTeacherClasses, Teacher, type ResolvedTeacher } from './teacher';
export { TeacherDataset, hardTargetMetric, type TeacherDatasetOptions } from './teacher-dataset';
