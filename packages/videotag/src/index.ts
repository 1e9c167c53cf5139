/**
 * @modelkit/videotag — video tagging in two stages, as PaddleHub's VideoTag: image
 * modelling (MobileNetV2 frame features from streamed, sampled frames) then sequence
 * learning (AttentionCluster, AttentionLSTM, NeXtVLAD heads from @modelkit/train-core).
 */
import { registerVideotagModels } from './model-cards';

registerVideotagModels();

export { kit } from './kit';
export type { VideotagKitOptions, VideotagRunOptions } from './kit-options';
export { VideoTagger, TAG_DEFAULTS, UPLOAD_MAX_DURATION, type VideoTaggerOptions, type TagOptions, type Analysis } from './video-tagger';
export { modelCards, FRAME_FEATURES_CARD, FRAME_FEATURES_TFJS_CARD, SAFETY_LABELS, PACKAGE_DIR, registerVideotagModels, type SafetyLabel } from './model-cards';
export { findFfmpeg, FFMPEG_HELP, type FfmpegPaths, type FindFfmpegOptions } from './ffmpeg/find-ffmpeg';
export type { VideoInfo } from './ffmpeg/video-info';
export type { SceneChange } from './ffmpeg/frame-stream';
export { VideoSource, type OpenVideoOptions } from './video/video-source';
export { readFrames, FramePass, DEFAULT_FRAME_SIZE, type VideoFrame, type ReadFramesOptions } from './video/read-frames';
export { checkSampling, samplingKey, DEFAULT_SCENE_THRESHOLD, type Sampling, type SegmentSampling, type FpsSampling, type SceneSampling } from './sampling/sampling';
export { slotTimes, assignSlots } from './sampling/slot-times';
export { FrameEmbedder, centreCrop, EMBED_SIZE, type FrameEmbeddings } from './features/frame-embedder';
export { ObjectDetector, type FrameDetection, type ObjectDetectorOptions } from './features/object-detector';
export { extractFeatures, featureSettings, type ExtractOptions, type Extracted, type ExtractTimings, type FeatureModels } from './features/extract-features';
export { featureCacheDir } from './features/feature-cache';
export type { VideoFeatures, FeatureSettings } from './features/video-features';
export type { VideoTag, TagSource, TimeSpan, PeopleCount, SceneTimeline } from './tagger/types';
export type { VideoTagResult, VideoTagTimings } from './tagger/video-tag-result';
export { contactSheetImage, renderContactSheet } from './tagger/contact-sheet';
export { TrainedHead } from './heads/trained-head';
export type { HeadInputSpec, HeadModality } from './heads/head-spec';
export { readVideoDataset, type VideoDataset, type LabelledVideo } from './data/video-dataset';
export { VIDEO_EXTENSIONS } from './data/video-extensions';
export type { VideotagEvalReport } from './eval/evaluate';
export { TRAIN_DEFAULTS, HEAD_NAMES, type TrainTaggerConfig, type HeadName } from './train/train-config';
export type { TrainTaggerOptions, TrainTaggerSummary, HeadSummary } from './train/train-tagger';
export type { FrameBackboneOptions } from './features/frame-backbone';

/**
 * Trains a video tagger (`modelkit videotag train` as an API); loads the training code and
 * tfjs on first call.
 */
export async function trainVideoTagger(options: import('./train/train-tagger').TrainTaggerOptions): Promise<import('./train/train-tagger').TrainTaggerSummary> {
  const { trainVideoTagger: train } = await import('./train/train-tagger');
  return train(options);
}

/**
 * The frame model as a trainable tfjs layers model (see `FrameBackboneOptions`); loads tfjs
 * on first call.
 */
export async function loadFrameBackbone(options?: import('./features/frame-backbone').FrameBackboneOptions): Promise<import('@tensorflow/tfjs-layers').LayersModel> {
  const { loadFrameBackbone: load } = await import('./features/frame-backbone');
  return load(options);
}
