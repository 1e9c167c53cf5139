/**
 * @modelkit/det — COCO object detection (NanoDet-g 416, 80 classes) on onnxruntime-node:
 * GFL integral decode, per-class NMS or Matrix NMS, COCO bbox metrics, a visualiser.
 */
import { registerDetModels } from './model-cards';

export { Detector } from './detector';
export type { DetRunOptions } from './detector';
export type { DetInput, DetPreset, DetResult, DetTimings, Detection, DetectorOptions, NmsKind, PostprocessOptions, ResizeMode } from './types';
export { COCO_LABELS } from './labels';
export { NANODET_G_416, PACKAGE_DIR, modelCards, registerDetModels } from './model-cards';
export type { NanoDetSpec } from './model-cards';
export { nanoDetSpec } from './spec';
export { decodeGfl, integral, matchGflOutputs } from './gfl-decode';
export type { GflCandidates, GflDecodeOptions, GflLevel, GflOutputNames } from './gfl-decode';
export { DET_PRESETS, resolvePostprocess, suppress } from './suppress';
export type { ResolvedPostprocess } from './suppress';
export { preprocess, toImageBox } from './preprocess';
export type { InputTransform, Preprocessed } from './preprocess';
export { cocoEvaluate, cocoBoxIou, AREA_RANGES, IOU_THRESHOLDS, RECALL_THRESHOLDS } from './eval/coco-eval';
export type { CocoDetection, CocoEvalOptions, CocoEvalResult, CocoGt, CocoGtAnnotation, CocoMetrics } from './eval/coco-eval';
export { evaluate, evalFiles } from './eval/evaluate';
export type { DetEvalOptions, DetEvalReport } from './eval/evaluate';
export { SAMPLE_IMAGE, SAMPLE_CAT_IMAGE } from './samples';
export { renderDetections, saveVisualization } from './visualize';
export type { DetVisualizeOptions } from './visualize';
export { DET_QUALITIES, DET_QUALITY_SETTINGS, int8QuantizeCommand, resolveDetQuality } from './quality';
export type { DetQuality, DetQualityOptions, DetQualitySettings, ResolvedDetQuality } from './quality';
export { kit } from './kit';
export type { DetKitOptions } from './kit';

registerDetModels();
