import type { KitTimings, ModelCard, Point, ProgressCallback, Quad, SessionOptions } from '@modelkit/core';
import type { DbOptions } from './db-postprocess';
/** How the detector input size is chosen (PaddleOCR's `det_limit_type`). */
export type LimitType = 'max' | 'min';

/** One recognised text line. Serialises to JSON as is. */
export interface OcrLine {
  text: string;
  /** Recognition confidence in [0, 1] (mean max-probability of the kept CTC steps). */
  score: number;
  /** Corners tl, tr, br, bl in the input image's pixels (integers). */
  box: Quad;
  /** The detected outline, only with `boxType: 'poly'`. */
  polygon?: Point[];
}

/**
 * Wall-clock milliseconds per stage of one image: the five every kit reports (`decode`,
 * `preprocess` — filling model inputs and warping line crops —, `inference` inside
 * onnxruntime, `postprocess` — DB boxes, CTC decoding, ordering —, `total`), plus OCR's
 * own per-stage split.
 */
export interface OcrTimings extends KitTimings {
  /** Detection: resize, normalise, inference, DB post-processing. */
  det: number;
  /** Cropping the detected lines (perspective warp, vertical rotation). */
  crop: number;
  /** Angle classification of the crops (0 when disabled). */
  cls: number;
  /** Recognition of the crops: resize, normalise, inference, CTC decode. */
  rec: number;
  /** Number of onnxruntime `run` calls made for this image. */
  inferenceRuns: number;
}

/** The result of {@link Ocr.run}. */
export interface OcrResult {
  /** Lines in reading order (top to bottom, then left to right). */
  lines: OcrLine[];
  /** Size of the (EXIF-rotated) input image. */
  width: number;
  height: number;
  timings: OcrTimings;
}

/** A detected text region before recognition. */
export interface DetectedBox {
  box: Quad;
  polygon?: Point[];
  /** DB box score (mean text probability). */
  score: number;
}

/** The result of {@link Ocr.detect}. */
export interface DetectResult {
  /** Boxes in reading order, in the input image's pixels. */
  boxes: DetectedBox[];
  width: number;
  height: number;
  timings: { decode: number; det: number; inference: number };
}

/** The result of recognising one crop with {@link Ocr.recognize}. */
export interface RecognizedText {
  text: string;
  score: number;
  /**
   * Turn applied before the kept reading: 180 when the classifier found the crop upside
   * down (and, with `clsVerify`, the turned reading scored higher).
   */
  angle: 0 | 180;
  /** Classifier probability that the crop is upside down (absent when the classifier is off). */
  angleScore?: number;
}

/** A model given by registry id, file path, or card. */
export type ModelSource = string | ModelCard;

/** Options of {@link Ocr.create}; every knob defaults to PaddleOCR's `predict_system` default. */
export interface OcrOptions extends DbOptions {
  /** Detection model (default `ppocr-v4-det`). */
  detModel?: ModelSource;
  /** Recognition model (default `ppocr-v4-rec-ch`, whose card also carries the dictionary). */
  recModel?: ModelSource;
  /** Angle classifier model (default `ppocr-mobile-v2-cls`). */
  clsModel?: ModelSource;
  /** Dictionary file for `recModel` when the model is given by path. */
  dictionary?: string;
  /** Append a space class after the dictionary (default true, as PaddleOCR). */
  useSpaceChar?: boolean;
  /** Run the 0°/180° classifier on crops (default true). */
  useAngleCls?: boolean;
  /** Classifier probability needed to rotate a crop by 180° (default 0.9). */
  clsThresh?: number;
  /**
   * Double-check the classifier (default true): a crop it turns is read both ways and the
   * reading with the higher recognition score wins. Costs one extra recognition per turned
   * crop. `false` is PaddleOCR's behaviour (the classifier's word is final).
   */
  clsVerify?: boolean;
  /** Crops per classifier run (default 6). */
  clsBatchSize?: number;
  /**
   * Crops per recognition batch (default 6, PaddleOCR's `rec_batch_num`): crops sorted by
   * aspect ratio, and each batch's crops are padded to the batch's width. Each crop then
   * runs on its own at that width (same logits as one batched run, less time here).
   * Changing it changes the padding and so, for a few crops, the text.
   */
  recBatchSize?: number;
  /** Minimum recognizer input width (default 320, from PaddleOCR's rec_image_shape 3,48,320). */
  recMinWidth?: number;
  /** Lines whose recognition score is below this are dropped (default 0.5). */
  dropScore?: number;
  /** Detector input side limit (default 960). */
  limitSideLen?: number;
  /** `max`: longest side ≤ limit; `min`: shortest side ≥ limit (default `max`). */
  limitType?: LimitType;
  /** Two boxes are on one line when their top-left y differ by less than this (default 10). */
  lineTolerance?: number;
  /** Interpolation of the perspective crops (default `bicubic`, as PaddleOCR; `bilinear` is faster). */
  cropInterpolation?: 'bicubic' | 'bilinear';
  /**
   * onnxruntime options for all three sessions. Default: onnxruntime's thread count with
   * `spinning: false` (idle pool threads sleep instead of spinning; pass `spinning: true`
   * for onnxruntime's own default) and `optimize: true` (the models' graphs are rewritten
   * at load by `optimizeGraph`, ~1.5x faster det and rec here; `optimize: false` runs the
   * files exactly as exported).
   */
  session?: SessionOptions;
  /** Model cache directory (registry). */
  cacheDir?: string;
  /** Never download (registry; also MODELKIT_OFFLINE=1). */
  offline?: boolean;
  /** Download progress. */
  onProgress?: ProgressCallback;
}
