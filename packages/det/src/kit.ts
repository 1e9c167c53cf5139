/**
 * The detection kit on modelkit's kit contract: the CLI's `det` and `det eval` commands,
 * the server's `POST /v1/det` and `modelkit batch det` all come from this definition.
 */
import { MODEL_SETS, defineKit, type ModelSet } from '@modelkit/core';
import type { OptionSchema } from '@modelkit/core';
import { Detector } from './detector';
import type { DetRunOptions } from './detector';
import { evalFiles, evaluate } from './eval/evaluate';
import type { DetEvalReport } from './eval/evaluate';
import { modelCards, NANODET_G_416 } from './model-cards';
import { DET_QUALITIES, DET_QUALITY_SETTINGS, resolveDetQuality, type DetQuality } from './quality';
import { DET_PRESETS } from './suppress';
import type { DetPreset, DetResult } from './types';
import { saveVisualization } from './visualize';

/** Create options of the det kit (besides the shared `threads`, `spinning`, `optimization`). */
export interface DetKitOptions {
  /** Registry id, `.onnx` path, folder with `model.card.json`, or URL#sha256=HEX. */
  model?: string;
  /** Threshold preset (default `visual`). */
  preset?: DetPreset;
  /** Square input side the model runs at (a multiple of 32; default the card's, 416). */
  inputSize?: number;
  /** Test-time flip augmentation for every run. */
  flip?: boolean;
  /** `int8`: the int8 model `modelkit compress quantize --kit det` registered (`nanodet-g-416-int8`) when `model` is the default or a registered id. */
  modelSet?: ModelSet;
  /**
   * Speed/accuracy preset over `modelSet`, `inputSize` and `flip` (options given explicitly win):
   * `fast` = the int8 model, `balanced` = as without it, `accurate` = 512 + flip. See {@link DET_QUALITY_SETTINGS}.
   */
  quality?: DetQuality;
}

const ACCURATE = DET_QUALITY_SETTINGS.accurate;

const CREATE_OPTIONS: OptionSchema<DetKitOptions> = {
  model: { type: 'model', description: 'registry id, NanoDet-style .onnx path, trained-model folder or URL#sha256=HEX', default: NANODET_G_416.id },
  preset: {
    type: 'string',
    choices: Object.keys(DET_PRESETS),
    description: `threshold preset: visual (score > ${DET_PRESETS.visual.scoreThreshold}) or eval (score > ${DET_PRESETS.eval.scoreThreshold}, for COCO mAP)`,
    default: 'visual',
  },
  inputSize: { type: 'integer', min: 32, description: 'run the model at this square input side (a multiple of 32, e.g. 512 or 608): more small objects, slower', default: 416 },
  flip: { type: 'boolean', description: 'test-time augmentation: also run the mirrored image and merge (two model runs)' },
  modelSet: { type: 'string', choices: MODEL_SETS, description: "int8: the model's int8 version registered by `modelkit compress quantize --kit det` (<id>-int8)", default: 'default' },
  quality: {
    type: 'string',
    choices: DET_QUALITIES,
    description:
      'speed/accuracy preset: fast = the int8 model at 416 (~2x faster, AP within 1 point; needs `modelkit compress quantize --kit det`), ' +
      `balanced = float at 416, accurate = --input-size ${ACCURATE.inputSize} --flip (more small objects, ~3x the time; ~1.7x with --model-set int8); ` +
      '--model-set, --input-size and --flip given explicitly win',
    default: 'balanced',
  },
};

const RUN_OPTIONS: OptionSchema<DetRunOptions> = {
  scoreThreshold: { type: 'number', min: 0, max: 1, description: 'minimum class score (default: from the preset)' },
  iouThreshold: { type: 'number', min: 0, max: 1, description: 'NMS IoU threshold', default: 0.6 },
  maxDetections: { type: 'integer', min: 1, description: 'at most this many boxes per image', default: 100 },
  nmsPre: { type: 'integer', min: 1, description: 'best cells per feature level kept before NMS', default: 1000 },
  nms: { type: 'string', choices: ['hard', 'matrix'], description: 'per-class hard NMS or Matrix NMS', default: 'hard' },
  matrixKernel: { type: 'string', choices: ['gaussian', 'linear'], description: 'Matrix NMS decay kernel', default: 'gaussian', flag: false },
  matrixSigma: { type: 'number', min: 0, description: 'Matrix NMS gaussian sigma', default: 2, flag: false },
  matrixPostThreshold: { type: 'number', min: 0, max: 1, description: 'Matrix NMS: decayed scores must be above this', flag: false },
  classAgnostic: { type: 'boolean', description: 'boxes of different classes also suppress each other' },
  resize: { type: 'string', choices: ['letterbox', 'resize'], description: 'fit images by letterbox or plain resize (default: the model card’s, letterbox)' },
  flip: { type: 'boolean', description: 'test-time flip for this image (default: the model option)', flag: false },
};

/** The detection kit: NanoDet-g COCO detection behind modelkit's generic tools. */
export const kit = defineKit<Detector, DetKitOptions, DetRunOptions, DetResult, DetEvalReport>({
  name: 'det',
  description: 'Detect COCO objects (NanoDet-g 416, 80 classes): label, score and box per object',
  modelCards,
  createOptions: CREATE_OPTIONS,
  runOptions: RUN_OPTIONS,
  create: ({ quality, modelSet, model, inputSize, flip, ...options }, { session, onProgress }) =>
    Detector.create({ ...options, ...resolveDetQuality({ quality, modelSet, model, inputSize, flip }), session, onProgress }),
  run: (det, input, options) => det.run(input, options),
  dispose: (det) => det.dispose(),
  summarize: (r) => `${r.detections.length} object${r.detections.length === 1 ? '' : 's'}`,
  formatText: (r) => r.detections.map((d) => `${d.label}\t${d.score.toFixed(2)}\t${d.box.map((v) => Math.round(v * 10) / 10).join(',')}`).join('\n'),
  saveVisualization: (result, image, file) => saveVisualization(result, image, file),
  evalFiles,
  evaluate: (det, dataDir, options) => evaluate(det, dataDir, { onProgress: options.onProgress, gt: options.gt }),
  evalCreateOptions: { preset: 'eval' },
});
