/**
 * The segmentation kit on modelkit's kit contract: `modelkit seg` (masks, new
 * backgrounds, cut-outs), `seg eval`, `POST /v1/seg` and `modelkit batch seg`.
 */
import { MODEL_SETS, defineKit, findInstalledKit, requireInt8Variant, type ModelSet } from '@modelkit/core';
import type { OptionSchema } from '@modelkit/core';
import { encodeMaskPng } from './compose';
import { evalFiles, evaluate } from './eval/evaluate';
import type { SegEvalReport } from './eval/evaluate';
import { HumanSeg } from './human-seg';
import type { SegResult } from './human-seg';
import type { ByteMask } from './mask';
import { MODEL_ALIASES, modelCards } from './model-cards';
import { PersonCascade } from './person-cascade';
import { SEG_OUTPUT_FLAGS, segOutputs } from './seg-outputs';
import { saveVisualization } from './visualize';

/** Create options of the seg kit (besides the shared `threads`, `spinning`, `optimization`). */
export interface SegKitOptions {
  /** `selfie`, `meet`, a registry id, an `.onnx` path, a trained-model folder or URL#sha256=HEX. */
  model?: string;
  /** Refine mask edges with a guided filter by default. */
  refine?: boolean;
  /** Detect people with the det kit first and segment each on its own crop (photos with small or many people). */
  people?: boolean;
  /** `int8`: the int8 version (`<id>-int8`) of the chosen registry model, registered by `modelkit compress quantize --kit seg`. */
  modelSet?: ModelSet;
  /**
   * Preset: `balanced` = the defaults; `accurate` = the person cascade (`people`), unless
   * `people` is given. No `fast`: the int8 MediaPipe models are only ~1.1x faster
   * (packages/compress/README.md), so `modelSet: 'int8'` stays an explicit choice.
   */
  quality?: SegQuality;
}

/** The seg kit's presets. */
export const SEG_QUALITIES = ['balanced', 'accurate'] as const;
/** One of {@link SEG_QUALITIES}. */
export type SegQuality = (typeof SEG_QUALITIES)[number];

/** Run options of the seg kit. */
export interface SegKitRunOptions {
  /** Refine this image's mask edge with a guided filter (default: the create option). */
  refine?: boolean;
}

const CREATE_OPTIONS: OptionSchema<SegKitOptions> = {
  model: { type: 'model', description: "'selfie' (256x256), 'meet' (144x256), a registry id, an .onnx path, a trained-model folder or URL#sha256=HEX", default: 'selfie' },
  refine: { type: 'boolean', description: 'refine mask edges with a guided filter on the photo (slower, sharper edges)' },
  people: {
    type: 'boolean',
    description: 'person cascade: detect people (needs @modelkit/det), segment each on a padded crop; better on photos with small or many people, about 2x slower',
  },
  modelSet: { type: 'string', choices: MODEL_SETS, description: "int8: the model's int8 version registered by `modelkit compress quantize --kit seg` (<id>-int8)", default: 'default' },
  quality: {
    type: 'string',
    choices: SEG_QUALITIES,
    description: 'preset: balanced = the defaults; accurate = --people (person IoU +2 points on COCO photos, about 8x the time); explicit flags win',
    default: 'balanced',
  },
};

/** What the seg kit loads: the segmenter alone, or the person cascade around it. */
type SegPipeline = HumanSeg | PersonCascade;

const RUN_OPTIONS: OptionSchema<SegKitRunOptions> = {
  refine: { type: 'boolean', description: 'refine this image’s mask edge (default: the model option)', flag: false },
};

function personFraction(mask: ByteMask): number {
  let on = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] >= 128) on++;
  return mask.data.length === 0 ? 0 : on / mask.data.length;
}

/**
 * The seg kit. Its JSON result is `{ width, height, personFraction, mask: { format: 'png',
 * encoding: 'base64', data }, timings }`: the 8-bit mask as a PNG, since a typed array
 * does not survive JSON.
 */
export const kit = defineKit<SegPipeline, SegKitOptions, SegKitRunOptions, SegResult<ByteMask> & { people?: number }, SegEvalReport>({
  name: 'seg',
  description: 'Segment people (MediaPipe selfie / meet): person masks, background replacement, cut-outs',
  modelCards,
  createOptions: CREATE_OPTIONS,
  runOptions: RUN_OPTIONS,
  evalOptions: {
    threshold: { type: 'number', min: 0, max: 1, description: 'probability at or above which a pixel is person', default: 0.5 },
  },
  async create({ people, modelSet, quality, ...options }, { session, onProgress }) {
    // The det kit is found at run time, so seg installs and runs without it.
    const cascade = people ?? quality === 'accurate';
    const detKit = cascade ? findInstalledKit('det', quality === 'accurate' && people === undefined ? 'seg --quality accurate' : 'seg --people') : undefined;
    const model = options.model ?? 'selfie';
    const registryId = (MODEL_ALIASES as Record<string, string>)[model] ?? model;
    const seg = await HumanSeg.create({ ...options, ...(modelSet === 'int8' && { model: requireInt8Variant(registryId, 'seg') }), session, onProgress });
    if (!detKit) return seg;
    try {
      return new PersonCascade(seg, await detKit.createRunner({ ...(session.threads !== undefined && { threads: session.threads }) }));
    } catch (err) {
      await seg.dispose();
      throw err;
    }
  },
  run: (seg, input, options) => seg.run(input, { format: 'uint8', refine: options.refine }) as Promise<SegResult<ByteMask> & { people?: number }>,
  dispose: (seg) => seg.dispose(),
  async toJSON(r) {
    const png = await encodeMaskPng(r.mask);
    const people = r.people === undefined ? {} : { people: r.people };
    return { width: r.width, height: r.height, personFraction: personFraction(r.mask), ...people, mask: { format: 'png', encoding: 'base64', data: png.toString('base64') }, timings: r.timings };
  },
  summarize: (r) => `person ${(100 * personFraction(r.mask)).toFixed(1)}% of ${r.width}x${r.height}${r.people === undefined ? '' : `, ${r.people} people detected`}`,
  formatText: (r) => `person\t${personFraction(r.mask).toFixed(4)}`,
  saveVisualization: (result, image, file) => saveVisualization(result, image, file),
  evalFiles,
  evaluate: (seg, dataDir, options) => evaluate(seg, dataDir, { threshold: typeof options.threshold === 'number' ? options.threshold : undefined, onProgress: options.onProgress, gt: options.gt }),
  cli: { options: SEG_OUTPUT_FLAGS, prepare: segOutputs },
});
