export { loadDetData, type DetData, type DetSample, type LoadDetDataOptions } from './det-data';
export { pointGrid, atssAssign, detTarget, DET_TARGET_ROW, type PointGrid, type AtssOptions } from './atss-assigner';
export {
  renderDetImage, renderMosaic, DEFAULT_DET_AUGMENT, NO_DET_AUGMENT,
  type DetAugmentOptions, type DetImage, type RenderedDetImage,
} from './det-augment';
export { DetDataset, loadDetImages, type DetDatasetOptions, type LoadedDetImages } from './det-dataset';
export { buildGflDetector, GFL_STRIDES, type GflDetector, type GflDetectorOptions } from './gfl-model';
export { gflLoss, gflLossParts, type GflLossOptions, type GflLossParts, type DetBoxLoss } from './gfl-loss';
export { DetApMetric, type DetApMetricOptions } from './det-ap-metric';
export { exportDetector, exportDetectorToOnnx, detInputSpec, DET_INPUT_NAME } from './export-detector';
export { detConfig, DET_TRAIN_PRESETS, DET_TRAIN_PRESET_CONFIGS, DET_BOX_LOSSES, type DetConfig, type DetTrainPreset } from './det-config';
export { trainDetector, type TrainDetectorOptions, type DetSummary } from './train-detector';
