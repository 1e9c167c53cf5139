/** Sequence heads of video tagging (AttentionCluster, AttentionLSTM, NeXtVLAD, mean pool), their ONNX export and fusion, and the YouTube-8M metrics. */
export * from './head-config';
export * from './presets';
export { VideoHeadLayer, type WeightInit } from './head-layer';
export { AttentionLstmHead } from './attention-lstm';
export { AttentionClusterHead } from './attention-cluster';
export { NextVladHead } from './nextvlad';
export { MeanPoolHead } from './mean-pool';
export { buildVideoHead, headLayerOf, videoHeadLayer } from './build-video-head';
export { exportVideoHeadToOnnx, saveVideoHeadOnnx, VIDEO_HEAD_IO } from './export-video-head';
export { fuseVideoHeads, type WeightedHead } from './fuse-heads';
export * from './yt8m-metrics';
export { VideoTagMetrics } from './video-tag-metric';
