/**
 * The OCR kit on modelkit's kit contract: `modelkit ocr` and `ocr eval`, `POST /v1/ocr`
 * and `modelkit batch ocr` all come from this definition.
 */
import { ErrorCodes, MODEL_SETS, ModelkitError, defineKit, findInt8Variant, type ModelSet } from '@modelkit/core';
import type { OptionSchema } from '@modelkit/core';
import { DB_DEFAULTS } from './db-postprocess';
import { evalFiles, evaluate } from './eval/evaluate';
import type { OcrEvalReport } from './eval/evaluate';
import { modelCards, PPOCR_MOBILE_V2_CLS, PPOCR_V4_DET, PPOCR_V4_REC_CH } from './model-cards';
import { Ocr } from './ocr';
import type { LimitType, OcrResult } from './types';
import { saveVisualization } from './visualize';

/** Create options of the OCR kit (besides the shared `threads`, `spinning`, `optimization`): {@link OcrOptions} that are plain values. */
export interface OcrKitOptions {
  detModel?: string;
  recModel?: string;
  clsModel?: string;
  dictionary?: string;
  useAngleCls?: boolean;
  clsVerify?: boolean;
  clsThresh?: number;
  clsBatchSize?: number;
  recBatchSize?: number;
  recMinWidth?: number;
  useSpaceChar?: boolean;
  dropScore?: number;
  limitSideLen?: number;
  limitType?: LimitType;
  lineTolerance?: number;
  cropInterpolation?: 'bicubic' | 'bilinear';
  thresh?: number;
  boxThresh?: number;
  unclipRatio?: number;
  maxCandidates?: number;
  useDilation?: boolean;
  scoreMode?: 'fast' | 'slow';
  boxType?: 'quad' | 'poly';
  /**
   * `int8`: the int8 models `modelkit compress quantize --kit ocr` registered
   * (`ppocr-v4-det-int8`, ...) for the model options left at their defaults; a model it
   * kept in fp32 (not faster, or not accurate enough) stays fp32.
   */
  modelSet?: ModelSet;
  /**
   * Speed/accuracy preset over the options above (an option given explicitly wins):
   * `fast` = the int8 model set; `balanced` = the defaults; `accurate` = detection at
   * `limitSideLen` 1280 (README "Accuracy presets": +3 det / +2.9 e2e hmean on ICDAR2015
   * photos, ~1.8x the time).
   */
  quality?: OcrQuality;
}

/** The OCR kit's speed/accuracy presets, fastest first. */
export const OCR_QUALITIES = ['fast', 'balanced', 'accurate'] as const;
/** One of {@link OCR_QUALITIES}. */
export type OcrQuality = (typeof OCR_QUALITIES)[number];

/** The detector side limit of the `accurate` quality. */
const ACCURATE_LIMIT_SIDE_LEN = 1280;

/** Run options of the OCR kit. */
export interface OcrKitRunOptions {
  /** Leave out lines scored below this. Can only raise the create option (lower-scored lines were already dropped). */
  dropScore?: number;
}

const MODEL = 'registry id, .onnx path, trained-model folder or URL#sha256=HEX';

const CREATE_OPTIONS: OptionSchema<OcrKitOptions> = {
  detModel: { type: 'model', description: `text detection model: ${MODEL}`, default: PPOCR_V4_DET.id },
  recModel: { type: 'model', description: `text recognition model: ${MODEL}`, default: PPOCR_V4_REC_CH.id },
  clsModel: { type: 'model', description: `0/180 degree angle classifier: ${MODEL}`, default: PPOCR_MOBILE_V2_CLS.id },
  dictionary: { type: 'string', description: 'character list for a recognition model given by path or URL', flag: '--dictionary <file>' },
  useAngleCls: { type: 'boolean', description: 'skip the 0/180 degree angle classifier', flag: '--no-cls' },
  clsVerify: { type: 'boolean', description: 'trust the classifier alone (PaddleOCR); by default a turned crop is also read as is and the better reading wins', flag: '--no-cls-verify' },
  clsThresh: { type: 'number', min: 0, max: 1, description: 'classifier probability needed to turn a crop', default: 0.9, flag: false },
  clsBatchSize: { type: 'integer', min: 1, description: 'crops per classifier run', default: 6, flag: false },
  recBatchSize: { type: 'integer', min: 1, description: 'crops per recognition batch (their padding width)', default: 6 },
  recMinWidth: { type: 'integer', min: 1, description: 'minimum recogniser input width', default: 320, flag: false },
  useSpaceChar: { type: 'boolean', description: 'append a space class after the dictionary', default: true, flag: false },
  dropScore: { type: 'number', min: 0, max: 1, description: 'drop lines recognised with a lower score', default: 0.5 },
  limitSideLen: { type: 'integer', min: 1, description: 'detector input side limit (default: the detection card’s, 960)' },
  limitType: { type: 'string', choices: ['max', 'min'], description: 'max: longest side <= limit; min: shortest side >= limit', default: 'max' },
  lineTolerance: { type: 'number', min: 0, description: 'boxes whose tops differ by less are on one line', default: 10, flag: false },
  cropInterpolation: { type: 'string', choices: ['bicubic', 'bilinear'], description: 'interpolation of the line crops (bilinear is faster)', default: 'bicubic' },
  thresh: { type: 'number', min: 0, max: 1, description: 'DB pixel threshold', default: DB_DEFAULTS.thresh },
  boxThresh: { type: 'number', min: 0, max: 1, description: 'DB box score threshold', default: DB_DEFAULTS.boxThresh },
  unclipRatio: { type: 'number', min: 0, description: 'DB box expansion ratio', default: DB_DEFAULTS.unclipRatio },
  maxCandidates: { type: 'integer', min: 1, description: 'DB maximum contours per image', default: DB_DEFAULTS.maxCandidates },
  useDilation: { type: 'boolean', description: 'dilate the DB text mask (2x2) before finding boxes' },
  scoreMode: { type: 'string', choices: ['fast', 'slow'], description: 'DB box scoring', default: DB_DEFAULTS.scoreMode },
  boxType: { type: 'string', choices: ['quad', 'poly'], description: 'quad boxes or polygons for curved text', default: DB_DEFAULTS.boxType },
  modelSet: { type: 'string', choices: MODEL_SETS, description: 'int8: the int8 models registered by `modelkit compress quantize --kit ocr` for the default models', default: 'default' },
  quality: {
    type: 'string',
    choices: OCR_QUALITIES,
    description: `preset: fast = --model-set int8 (about 1.35x faster, e2e hmean -0.7 point); balanced = the defaults; accurate = --limit-side-len ${ACCURATE_LIMIT_SIDE_LEN} (+3 det hmean on photos, about 1.8x the time); explicit flags win`,
    default: 'balanced',
  },
};

const MODEL_OPTIONS = [
  ['detModel', PPOCR_V4_DET.id],
  ['recModel', PPOCR_V4_REC_CH.id],
  ['clsModel', PPOCR_MOBILE_V2_CLS.id],
] as const;

/**
 * The `int8` model set: each model option left unset becomes its default's `<id>-int8`
 * when `modelkit compress quantize` registered one (in MODELKIT_HOME/cards).
 * @throws ModelkitError `E_MODEL_NOT_FOUND` saying how to make them when none is registered.
 */
function int8Models(options: Partial<OcrKitOptions>): Partial<OcrKitOptions> {
  const out: Partial<OcrKitOptions> = {};
  for (const [option, id] of MODEL_OPTIONS) {
    const variant = options[option] === undefined ? findInt8Variant(id) : undefined;
    if (variant) out[option] = variant;
  }
  if (Object.keys(out).length === 0 && MODEL_OPTIONS.some(([option]) => options[option] === undefined)) {
    throw new ModelkitError(ErrorCodes.MODEL_NOT_FOUND, 'model set int8: no int8 OCR model is registered; make them with: modelkit compress quantize --kit ocr --calib DIR --val DIR', {
      details: { models: MODEL_OPTIONS.map(([, id]) => `${id}-int8`) },
    });
  }
  return out;
}

const RUN_OPTIONS: OptionSchema<OcrKitRunOptions> = {
  // The create option has the flag; per request (HTTP, batch) it can only raise the bar.
  dropScore: { type: 'number', min: 0, max: 1, description: 'leave out lines scored below this (can only raise the model option)', flag: false },
};

/** The OCR kit: PP-OCRv4 detection, angle classification and recognition behind modelkit's generic tools. */
export const kit = defineKit<Ocr, OcrKitOptions, OcrKitRunOptions, OcrResult, OcrEvalReport>({
  name: 'ocr',
  description: 'Detect and recognise text (PP-OCRv4, Chinese + English): one line of text per line found',
  modelCards,
  createOptions: CREATE_OPTIONS,
  runOptions: RUN_OPTIONS,
  // The three sessions each own a thread pool; one that spins after its run steals the
  // cores the next model needs (measured in tools/bench/ocr-peers/README.md).
  sessionDefaults: { spinning: false, optimize: true },
  create: ({ quality, modelSet, ...options }, { session, onProgress }) => {
    const set = modelSet ?? (quality === 'fast' ? 'int8' : 'default');
    const limitSideLen = options.limitSideLen ?? (quality === 'accurate' ? ACCURATE_LIMIT_SIDE_LEN : undefined);
    return Ocr.create({ ...options, ...(limitSideLen !== undefined && { limitSideLen }), ...(set === 'int8' && int8Models(options)), session, onProgress });
  },
  async run(ocr, input, options) {
    const result = await ocr.run(input);
    const dropScore = options.dropScore;
    return dropScore === undefined ? result : { ...result, lines: result.lines.filter((l) => l.score >= dropScore) };
  },
  dispose: (ocr) => ocr.dispose(),
  summarize: (r) => `${r.lines.length} line${r.lines.length === 1 ? '' : 's'}`,
  formatText: (r) => r.lines.map((l) => l.text).join('\n'),
  saveVisualization: (result, image, file) => saveVisualization(result, image, file),
  evalFiles,
  evaluate: (ocr, dataDir, options) => evaluate(ocr, dataDir, { onProgress: options.onProgress, gt: options.gt }),
});
