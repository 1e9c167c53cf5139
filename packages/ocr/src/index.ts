/**
 * @modelkit/ocr — PaddleOCR's PP-OCRv4 pipeline (DB detection, angle classification,
 * CTC recognition) on onnxruntime-node.
 */
import { registerOcrModels } from './model-cards';

export { Ocr, cropLine } from './ocr';
export type { OcrInput, ResolvedOcrOptions } from './ocr';
export type {
  DetectResult,
  DetectedBox,
  LimitType,
  ModelSource,
  OcrLine,
  OcrOptions,
  OcrResult,
  OcrTimings,
  RecognizedText,
} from './types';
export { DB_DEFAULTS, dbPostprocess } from './db-postprocess';
export type { DbBox, DbOptions, ProbabilityMap } from './db-postprocess';
export { ctcCollapse, ctcGreedyDecode } from './ctc-decode';
export type { DecodedText } from './ctc-decode';
export { loadDictionary, parseDictionary } from './dictionary';
export type { DictionaryOptions } from './dictionary';
export { planBatches, recBatchWidth } from './batching';
export { orderQuad, clipQuad } from './quad';
export { modelCards, registerOcrModels, PPOCR_V4_DET, PPOCR_V4_REC_CH, PPOCR_MOBILE_V2_CLS } from './model-cards';
export { renderOcrResult, saveVisualization } from './visualize';
export type { VisualizeOptions } from './visualize';
export { SAMPLE_IMAGE, SAMPLE_TEXT } from './samples';
export { evaluate, evalFiles, e2eKey } from './eval/evaluate';
export type { OcrEvalReport, Prf } from './eval/evaluate';
export { matchImage, prf } from './eval/detection-metrics';
export type { GtRegion, PredRegion, ImageMatch } from './eval/detection-metrics';
export { checkRapidOcrExpectations } from './eval/rapidocr-checks';
export type { RapidOcrCheck } from './eval/rapidocr-checks';
export { normalizedEditDistance, editDistance } from './eval/edit-distance';
export { kit, OCR_QUALITIES } from './kit';
export type { OcrKitOptions, OcrKitRunOptions, OcrQuality } from './kit';

registerOcrModels();
