/** Pretrained backbones shipped offline, their frozen features and the pieces of a transfer run. */
export { MOBILENET_V2_BACKBONE_CARD } from './backbone-card';
export { PRETRAINED_BACKBONES, loadBackboneWeights, pretrainedMobileNetV2, type PretrainedBackbone } from './pretrained-backbone';
export { decodePretrainedWeights, loadPretrainedWeights, type LoadedWeights, type PretrainedWeights, type PretrainedWeightSpec } from './pretrained-weights';
export { computeFrozenFeatures, type FrozenFeatures, type FrozenFeaturesOptions } from './frozen-features';
export { FeatureDataset } from './feature-dataset';
export { buildFeatureHead, copyWeightsByLayerName, freezeBatchNormStatistics } from './transfer-models';
