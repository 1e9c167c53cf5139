import type { Box, ImageSource, KitTimings, ModelCard, ProgressCallback, SessionOptions } from '@modelkit/core';

/** How an image is fitted to the model's fixed input size. */
export type ResizeMode =
  /** Stretch to the input size (aspect ratio not kept). */
  | 'resize'
  /** Scale to fit inside the input size keeping the aspect ratio, pad the rest (centred). */
  | 'letterbox';

/** Which suppression runs after decoding. */
export type NmsKind =
  /** Greedy hard NMS per class (NanoDet's and mmdetection's `multiclass_nms`). */
  | 'hard'
  /** Matrix NMS (SOLOv2 / PaddleDetection): decays the scores of overlapping boxes per class. */
  | 'matrix';

/** Named threshold sets. */
export type DetPreset =
  /** For looking at results: score >= 0.35 (NanoDet's demo threshold), up to 100 boxes. */
  | 'visual'
  /** For COCO mAP: score >= 0.05, up to 100 boxes (NanoDet's and COCO's test setting). */
  | 'eval';

/** Post-processing knobs; each can also be given per call to `Detector.run`. */
export interface PostprocessOptions {
  /** Candidates (one per cell and class) must score above this. */
  scoreThreshold?: number;
  /** Hard NMS: a box is dropped when its IoU with a kept box of its class is above this. */
  iouThreshold?: number;
  /** Keep at most this many detections per image. */
  maxDetections?: number;
  /** Per feature level, keep the best `nmsPre` cells (by their best class score) before NMS. */
  nmsPre?: number;
  /** Hard NMS or Matrix NMS. */
  nms?: NmsKind;
  /** Matrix NMS decay kernel (default gaussian). */
  matrixKernel?: 'gaussian' | 'linear';
  /** Matrix NMS gaussian sigma (default 2, Paddle semantics). */
  matrixSigma?: number;
  /** Matrix NMS: decayed scores must be above this (default: `scoreThreshold`). */
  matrixPostThreshold?: number;
  /** When true, boxes of different classes also suppress each other. Default false. */
  classAgnostic?: boolean;
}

/** Options of `Detector.create`. */
export interface DetectorOptions extends PostprocessOptions {
  /**
   * The model: a registered card id (default `nanodet-g-416`), a card, or a path to a
   * NanoDet-style `.onnx` file (which then uses NanoDet's preprocessing and COCO labels
   * unless `labels` is given).
   */
  model?: string | ModelCard;
  /** Class names, overriding the card's (index = class id). */
  labels?: readonly string[];
  /** Threshold preset applied before the explicit knobs above (default `visual`). */
  preset?: DetPreset;
  /** How to fit images to the model input (default: the card's; `letterbox` for NanoDet-g, which scored higher, see README). */
  resize?: ResizeMode;
  /**
   * Run a square, fully convolutional model at this input side instead of the card's (a
   * multiple of 32, e.g. 512 or 608): more small objects found, slower. The graph's size
   * constants are rewritten at load.
   */
  inputSize?: number;
  /** Default of the per-call `flip` (test-time flip augmentation). Default false. */
  flip?: boolean;
  /** onnxruntime session options. */
  session?: SessionOptions;
  /** Model cache folder (for models that are downloaded). */
  cacheDir?: string;
  /** Never download (also `MODELKIT_OFFLINE=1`). */
  offline?: boolean;
  /** Download progress. */
  onProgress?: ProgressCallback;
}

/** One detected object, in the input image's pixels. */
export interface Detection {
  /** Class name, e.g. `person`. */
  label: string;
  /** Index into the model's labels (0..79 for COCO). */
  classId: number;
  /** Confidence in 0..1 (after Matrix NMS: the decayed score). */
  score: number;
  /** [x1, y1, x2, y2], clamped to the image. */
  box: Box;
}

/** Milliseconds per stage of one `run`: decode, preprocess (resize, pad, layout), inference (onnxruntime), postprocess (GFL decode, NMS), total. */
export type DetTimings = KitTimings;

/** The result of `Detector.run`. */
export interface DetResult {
  /** Detections, score-descending. */
  detections: Detection[];
  /** Size of the input image. */
  width: number;
  height: number;
  timings: DetTimings;
}

/** An image already in memory as modelkit's RGB type, or anything `loadImage` reads. */
export type DetInput = ImageSource;
