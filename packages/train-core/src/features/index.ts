/** Pretrained ONNX models as feature extractors for transfer learning. */
export { createFeatureExtractor, type FeatureExtractor, type FeatureExtractorOptions, type FeatureInputSpec } from './feature-extractor';
export { exposeTensor, listTensorNames, type ExposeTensorOptions } from './expose-tensor';
export { globalPool, type FeaturePool, type FeatureLayout } from './global-pool';
