/**
 * The OCR kit as a generic {@link KitDefinition}, so the HTTP server and batch jobs of
 * `@modelkit/serve` can run it without knowing OCR's own API.
 */
import { InvalidArgumentError } from '@modelkit/core';
import type { ImageInput, KitDefinition, KitRunner } from '@modelkit/core';
import { modelCards } from './model-cards';
import { Ocr } from './ocr';
import type { OcrOptions, OcrResult } from './types';

/**
 * Options that shape the loaded pipeline (models, thresholds, sizes). They are fixed when
 * the runner is created, so a per-call attempt to change them is refused rather than
 * silently ignored: the caller would otherwise believe the knob took effect.
 */
const CREATION_ONLY: readonly string[] = [
  'detModel',
  'recModel',
  'clsModel',
  'dictionary',
  'useSpaceChar',
  'useAngleCls',
  'clsThresh',
  'clsVerify',
  'clsBatchSize',
  'recBatchSize',
  'recMinWidth',
  'limitSideLen',
  'limitType',
  'lineTolerance',
  'thresh',
  'boxThresh',
  'unclipRatio',
  'maxCandidates',
  'useDilation',
  'scoreMode',
  'boxType',
];

/** Creation options of the OCR runner: every {@link OcrOptions} plus session shortcuts. */
export type OcrRunnerOptions = OcrOptions & {
  /** onnxruntime intra-op threads for all three sessions (sets `session.threads`). */
  threads?: number;
  /** Let idle onnxruntime threads spin (sets `session.spinning`). */
  spinning?: boolean;
};

class OcrRunner implements KitRunner {
  constructor(private readonly ocr: Ocr) {}

  /**
   * Runs OCR. The one per-call option is `dropScore`: lines scored below it are left out.
   * It can only raise the threshold the runner was created with, since lower-scored lines
   * were already dropped inside the pipeline.
   */
  async run(input: ImageInput, options: Record<string, unknown> = {}): Promise<OcrResult> {
    for (const key of CREATION_ONLY) {
      if (options[key] !== undefined) {
        throw new InvalidArgumentError(`OCR option '${key}' is fixed when the models load; only 'dropScore' can be given per call`, {
          details: { option: key },
        });
      }
    }
    const dropScore = readDropScore(options.dropScore);
    const result = await this.ocr.run(input);
    if (dropScore === undefined) return result;
    return { ...result, lines: result.lines.filter((l) => l.score >= dropScore) };
  }

  dispose(): Promise<void> {
    return this.ocr.dispose();
  }
}

function readDropScore(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`OCR option dropScore must be a number in [0, 1], got ${JSON.stringify(v)}`);
  return n;
}

/** The OCR kit for generic tools: `kit.createRunner()` loads PP-OCRv4 with its defaults. */
export const kit: KitDefinition = {
  name: 'ocr',
  description: 'Text detection and recognition (PP-OCRv4, Chinese + English)',
  modelCards,
  async createRunner(options: Record<string, unknown> = {}): Promise<KitRunner> {
    const { threads, spinning, ...rest } = options as OcrRunnerOptions;
    const ocrOptions: OcrOptions = { ...rest };
    if (threads !== undefined || spinning !== undefined) {
      ocrOptions.session = { ...rest.session, ...(threads !== undefined && { threads }), ...(spinning !== undefined && { spinning }) };
    }
    return new OcrRunner(await Ocr.create(ocrOptions));
  },
};
