/**
 * @modelkit/seg — human segmentation with MediaPipe's selfie and Meet models on
 * onnxruntime-node: person masks at the photo's resolution, background replacement
 * (colours, ID-photo presets, images), transparent cut-outs, overlays and IoU evaluation.
 */
import { registerSegModels } from './model-cards';

export { HumanSeg } from './human-seg';
// Kept for callers of 0.1; the function lives in core now.
export { toRgbImage } from '@modelkit/core';
export type { HumanSegOptions, SegInput, SegOutputKind, SegResult, SegRunOptions, SegTimings } from './human-seg';
export { assertMask, resizeFloatMap, resizeMask, thresholdMask, toByteMask, toFloatMask } from './mask';
export type { ByteMask, FloatMask, SegMask } from './mask';
export { guidedFilter } from './guided-filter';
export type { GuidedFilterOptions } from './guided-filter';
export { ID_PHOTO_COLORS, parseColor } from './colors';
export type { ColorInput, IdPhotoColor, Rgb } from './colors';
export { coverImage, cutout, cutoutPixels, encodeMaskPng, overlayMask, replaceBackground } from './compose';
export type { Background, OverlayOptions } from './compose';
export { IGNORE_LABEL, accumulateConfusion, emptyConfusion, segMetrics } from './eval/metrics';
export type { SegConfusion, SegMetrics } from './eval/metrics';
export { evaluate, evalFiles, readLabelMask, readSegGt } from './eval/evaluate';
export type { SegEvalReport, SegGtEntry } from './eval/evaluate';
export { MEDIAPIPE_MEET, MEDIAPIPE_SELFIE, MODEL_ALIASES, PACKAGE_DIR, modelCards, registerSegModels } from './model-cards';
export { SAMPLE_IMAGE } from './samples';
export { kit, SEG_QUALITIES } from './kit';
export type { SegKitOptions, SegKitRunOptions, SegQuality } from './kit';
export { saveVisualization } from './visualize';

registerSegModels();
