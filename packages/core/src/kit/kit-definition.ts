/**
 * The kit contract: one typed definition per domain kit (ocr, det, seg, videotag, …) from
 * which generic tools — the CLI's image commands, the HTTP server, batch jobs, the job
 * queue — do everything without knowing the kit. A kit writes a {@link KitSpec} and
 * exports `kit = defineKit(spec)`; it declares itself in its package.json (see
 * `discoverKits`), and nothing else needs editing.
 */
import type { CliCommand, CliOption } from '../cli/cli-command';
import type { ImageSource, RgbImage } from '../image/index';
import type { ProgressCallback } from '../progress';
import type { ModelCard } from '../registry/index';
import type { SessionOptions } from '../session/index';
import type { AnyOptionSchema, OptionSchema } from './option-schema';
import type { KitSessionOptions } from './session-options';

/** What a kit's runs take: images (path, bytes, pixels) or videos (path, bytes). */
export type KitInputKind = 'image' | 'video';

/** What one run of any kit takes: a file path, encoded bytes, or (image kits) decoded pixels. */
export type KitInput = ImageSource;

/**
 * Wall-clock milliseconds per stage of one run: the five every kit reports, plus any stage
 * of its own (OCR adds `det`, `cls`, `rec`, …).
 */
export interface KitTimings {
  /** Reading and decoding the input. */
  decode: number;
  /** Resizing, normalising and laying out tensors. */
  preprocess: number;
  /** Inside onnxruntime. */
  inference: number;
  /** Turning model outputs into the result (decoding boxes, NMS, CTC, upsampling masks). */
  postprocess: number;
  /** Everything, from input to result. */
  total: number;
}

/** The least every kit result has. */
export interface KitResult {
  timings: KitTimings;
}

/** Extra context of a kit's `create`. */
export interface KitCreateContext {
  /** onnxruntime options from the shared session keys over the kit's defaults. */
  session: SessionOptions;
  /** Download progress of models given by URL. */
  onProgress?: ProgressCallback;
}

/** Options of a kit's `evaluate`. */
export interface KitEvalOptions {
  /** Progress in images. */
  onProgress?: ProgressCallback;
  /**
   * The labelled file to score instead of the kit's main one (`evalFiles(dataDir)[0]`), e.g.
   * a larger share in the same format; absolute or relative to the working directory.
   */
  gt?: string;
  /** Kit-specific evaluation knobs, checked against the kit's `evalOptions` schema. */
  [key: string]: unknown;
}

/** Writes the extra files of one input (seg's mask or new background). */
export interface KitOutputWriter<Res> {
  /** Writes the files for one result; returns their paths. */
  write(context: {
    result: Res;
    image: RgbImage;
    /** A path in the output folder for this input with the given suffix, e.g. `.mask.png`; checked never to overwrite an input or another output. */
    output: (suffix: string) => string;
  }): Promise<string[]>;
}

/** What a kit adds to the command the template builds for it. */
export interface KitCliSpec<Res> {
  /** Flags of the kit command that are neither create nor run options (seg's `--bg`). */
  options?: CliOption[];
  /**
   * Reads the extra flags once, before any model loads, so a bad value fails fast; returns
   * the writer of the kit's own output files, or undefined when the flags ask for none.
   */
  prepare?(flags: Record<string, unknown>): Promise<KitOutputWriter<Res> | undefined>;
  /** More subcommands under the kit's command, next to `eval`. */
  subcommands?: CliCommand[];
}

/** What a kit author writes; {@link defineKit} turns it into a {@link KitDefinition}. */
export interface KitSpec<P, C extends object, R extends object, Res extends KitResult, Rep extends object> {
  /** Short name for commands and URLs, e.g. `det`. Lower-case letters, digits and `-`. */
  name: string;
  /** One line for help texts and the demo page. */
  description: string;
  /** What runs take (default `image`). */
  input?: KitInputKind;
  /** The model cards the kit uses by default (its first card is its main model). */
  modelCards: readonly ModelCard[];
  /** Options fixed when the models load. The shared session keys are added by defineKit. */
  createOptions: OptionSchema<C>;
  /** Options of each run. */
  runOptions: OptionSchema<R>;
  /** Options of `evaluate` besides the data folder. */
  evalOptions?: AnyOptionSchema;
  /** The kit's own onnxruntime defaults (e.g. spinning off). */
  sessionDefaults?: SessionOptions;
  /** Loads the models. */
  create(options: Partial<C>, context: KitCreateContext): Promise<P>;
  /** Runs one input. */
  run(pipeline: P, input: KitInput, options: Partial<R>): Promise<Res>;
  /** Releases the models. */
  dispose(pipeline: P): Promise<void>;
  /** A JSON-safe copy of a result (default: the result itself, which must then be JSON-safe); may encode (seg's mask as PNG). */
  toJSON?(result: Res): object | Promise<object>;
  /** A few words on a result for the CLI's per-input line, e.g. `12 lines`. */
  summarize(result: Res): string;
  /** The result as the text the CLI prints (one item per line). */
  formatText(result: Res): string;
  /** Draws a result on its image and writes a PNG. */
  saveVisualization(result: Res, image: RgbImage, file: string): Promise<void>;
  /**
   * Video kits: the picture a result is drawn on (e.g. a contact sheet of sampled frames),
   * made from the result and its input; the CLI passes it to `saveVisualization` and to the
   * `cli.prepare` writer, as it passes the decoded image for image kits. Image kits leave it out.
   */
  preview?(result: Res, input: KitInput): Promise<RgbImage>;
  /** The files `evaluate` reads in a data folder, main file first. */
  evalFiles(dataDir: string): string[];
  /** Scores a pipeline on a labelled data folder. `passed: false` makes `eval` exit 1. */
  evaluate(pipeline: P, dataDir: string, options: KitEvalOptions): Promise<Rep & { passed?: boolean }>;
  /** Create options `eval` uses unless the user overrides them (det's low score threshold). */
  evalCreateOptions?: Partial<C>;
  /** Additions to the kit's CLI command. */
  cli?: KitCliSpec<Res>;
}

/** A loaded kit pipeline as generic tools see it: JSON in, JSON out. */
export interface KitRunner {
  /**
   * Runs one input and resolves to a JSON-safe result (the kit's `toJSON` of its result).
   * Options are checked against the kit's run options: an unknown key is an error.
   */
  run(input: KitInput, options?: Record<string, unknown>): Promise<object>;
  /** Releases the models (waits for a run in progress). */
  dispose(): Promise<void>;
}

/** Options of a kit's create step: its own plus the shared session keys. */
export type KitCreateOptions<C extends object> = Partial<C> & KitSessionOptions;

/** A kit, as defined by {@link defineKit}. Method syntax keeps kits of any types assignable to the default. */
export interface KitDefinition<
  P = unknown,
  C extends object = Record<string, unknown>,
  R extends object = Record<string, unknown>,
  Res extends KitResult = KitResult,
  Rep extends object = object,
> extends KitSpec<P, C, R, Res, Rep> {
  readonly input: KitInputKind;
  /** The kit's create options with the shared session keys. */
  readonly createOptions: OptionSchema<C & KitSessionOptions>;
  /** Loads the models with checked options (the kit's own API object, e.g. an `Ocr`). */
  load(options?: KitCreateOptions<C>, context?: { onProgress?: ProgressCallback }): Promise<P>;
  /** Loads the models behind the generic {@link KitRunner}. */
  createRunner(options?: KitCreateOptions<C>, context?: { onProgress?: ProgressCallback }): Promise<KitRunner>;
  /** Checks run options (unknown keys, types) and returns a clean copy. */
  checkRunOptions(options: unknown): Partial<R>;
  /** The JSON form of a result. */
  resultToJSON(result: Res): Promise<object>;
}
