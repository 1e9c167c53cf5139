/**
 * `HumanSeg`: person segmentation with MediaPipe's selfie or Meet model on onnxruntime.
 * Preprocess (stretch to the model's input, RGB/255, NHWC), run, turn the output into a
 * person probability, upsample it bilinearly to the photo and optionally refine its edge
 * with a guided filter.
 */
import { performance } from 'node:perf_hooks';
import {
  ErrorCodes,
  InferenceSession,
  InvalidArgumentError,
  ModelError,
  SerialQueue,
  imageToTensor,
  resizeImage,
  resolveModel,
  toRgbImage,
} from '@modelkit/core';
import type { ImageSource, KitTimings, ModelCard, ProgressCallback, SessionOptions, TensorSpec } from '@modelkit/core';
import { guidedFilter } from './guided-filter';
import type { GuidedFilterOptions } from './guided-filter';
import { resizeFloatMap, toByteMask } from './mask';
import type { ByteMask, FloatMask } from './mask';
import { MODEL_ALIASES, registerSegModels } from './model-cards';

/**
 * How a model's output becomes a person probability: `probability` (one channel),
 * `two-logits` (background, person: sigmoid of the difference), `class-logits` (C ≥ 2
 * class logits as `modelkit train seg` exports for more than two classes: foreground =
 * 1 − softmax probability of class 0, the background).
 */
export type SegOutputKind = 'probability' | 'two-logits' | 'class-logits';

const OUTPUT_KINDS: readonly SegOutputKind[] = ['probability', 'two-logits', 'class-logits'];

/** Options of {@link HumanSeg.create}. */
export interface HumanSegOptions {
  /**
   * `'selfie'` (default; 256×256, MediaPipe's general model), `'meet'` (144×256,
   * landscape), a registry id, a path to an `.onnx` file with an NHWC [1,H,W,3] RGB/255
   * input, a folder with `model.card.json`, or an http(s) URL with `#sha256=HEX`.
   */
  model?: 'selfie' | 'meet' | (string & {});
  /** Download progress of a model given by URL. */
  onProgress?: ProgressCallback;
  /**
   * For a model given by path: `'probability'` (one channel, already a probability),
   * `'two-logits'` (background, person: p = sigmoid(person − background)) or
   * `'class-logits'` (C class logits, background first: p = 1 − softmax₀). Default: from
   * the card, else by the output's channel count (1 or 2).
   */
  output?: SegOutputKind;
  /** onnxruntime session options (threads, spinning). */
  session?: SessionOptions;
  /** Default of {@link SegRunOptions.refine}. */
  refine?: boolean | GuidedFilterOptions;
}

/** Options of {@link HumanSeg.run}. */
export interface SegRunOptions {
  /** `'float'` (default): Float32 probabilities in [0, 1]; `'uint8'`: 0..255. */
  format?: 'float' | 'uint8';
  /** Refine the upsampled mask's edge with a guided filter on the photo (slower, sharper edges). Default: the create option, else false. */
  refine?: boolean | GuidedFilterOptions;
}

/**
 * Milliseconds per stage of one run: decode (file or bytes to pixels), preprocess (resize,
 * tensor layout), inference (onnxruntime), postprocess (probability, upsampling,
 * refinement, format), total.
 */
export type SegTimings = KitTimings;

/** Result of {@link HumanSeg.run}: the person mask at the input image's resolution. */
export interface SegResult<M extends FloatMask | ByteMask = FloatMask> {
  mask: M;
  width: number;
  height: number;
  timings: SegTimings;
}

/** Anything `run` accepts: what core's `loadImage` takes, or an already decoded {@link RgbImage}. */
export type SegInput = ImageSource;

function staticDim(spec: TensorSpec, axis: number): number | undefined {
  const d = spec.shape?.[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

interface ModelSource {
  path: string;
  card?: ModelCard;
}

async function resolveSegModel(model: string, onProgress: ProgressCallback | undefined): Promise<ModelSource> {
  registerSegModels();
  const id = (MODEL_ALIASES as Record<string, string>)[model] ?? model;
  // A bare file or URL has no card of its own: its input size and output kind are read
  // from the model itself (static dims, channel count), so no `like` card applies.
  const resolved = await resolveModel(id, { what: 'model (--model)', onProgress, like: undefined });
  const path = resolved.paths['model.onnx'] ?? Object.values(resolved.paths)[0];
  if (!path) throw new InvalidArgumentError(`Model card ${resolved.card.id} has no files`);
  return { path, card: resolved.kind === 'file' || resolved.kind === 'url' ? undefined : resolved.card };
}

/** A loaded person-segmentation model. Create with {@link HumanSeg.create}; call {@link HumanSeg.dispose} when done. */
export class HumanSeg {
  /** Model input size (pixels). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** How the raw output becomes a probability. */
  readonly outputKind: SegOutputKind;
  /** Channels of the output (1, 2, or the class count of `class-logits`). */
  readonly outputChannels: number;
  /** The card of a registry model; undefined for a model given by path. */
  readonly card: ModelCard | undefined;
  private readonly session: InferenceSession;
  private readonly refineDefault: boolean | GuidedFilterOptions;
  private readonly serial = new SerialQueue('HumanSeg');
  /** Pixel encoding of the model input, from the card (MediaPipe's RGB/255 for a bare file). */
  private readonly encoding: { channelOrder: 'rgb' | 'bgr'; scale: number };

  private constructor(session: InferenceSession, card: ModelCard | undefined, o: HumanSegOptions) {
    this.session = session;
    this.card = card;
    this.refineDefault = o.refine ?? false;
    const input = session.inputs[0];
    const output = session.outputs[0];
    const cardInput = card?.input as { height?: number; width?: number; output?: SegOutputKind; channelOrder?: unknown; scale?: unknown; layout?: unknown } | undefined;
    if (cardInput?.layout !== undefined && cardInput.layout !== 'nhwc') {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `${session.name}: the card says input layout ${String(cardInput.layout)}; the seg kit runs NHWC models`, { details: { card: card?.id } });
    }
    const channelOrder = cardInput?.channelOrder ?? 'rgb';
    const scale = cardInput?.scale ?? 1 / 255;
    if ((channelOrder !== 'rgb' && channelOrder !== 'bgr') || typeof scale !== 'number' || !(scale > 0)) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `${session.name}: the card's input.channelOrder must be 'rgb' or 'bgr' and input.scale a positive number`, { details: { card: card?.id } });
    }
    this.encoding = { channelOrder, scale };
    const h = staticDim(input, 1) ?? cardInput?.height;
    const w = staticDim(input, 2) ?? cardInput?.width;
    if (session.inputs.length !== 1 || input.shape?.length !== 4 || staticDim(input, 3) !== 3 || h === undefined || w === undefined) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `${session.name}: expected one NHWC input [1,H,W,3] with a static size, got ${JSON.stringify(session.inputs)}`, {
        details: { inputs: session.inputs },
      });
    }
    this.inputHeight = h;
    this.inputWidth = w;
    const channels = staticDim(output, 3);
    const kind = o.output ?? cardInput?.output ?? (channels === 2 ? 'two-logits' : channels === 1 ? 'probability' : undefined);
    if (kind === undefined || !OUTPUT_KINDS.includes(kind) || (kind === 'class-logits' && !(channels !== undefined && channels >= 2))) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `${session.name}: cannot tell how to read output ${JSON.stringify(output)}; pass output: 'probability' | 'two-logits' | 'class-logits' (the last needs a static channel count >= 2)`, {
        details: { outputs: session.outputs },
      });
    }
    this.outputKind = kind;
    this.outputChannels = kind === 'probability' ? 1 : kind === 'two-logits' ? 2 : channels!;
  }

  /** Loads a model (default: MediaPipe selfie, bundled with this package; no network). */
  static async create(options: HumanSegOptions = {}): Promise<HumanSeg> {
    const model = options.model ?? 'selfie';
    if (typeof model !== 'string' || model === '') throw new InvalidArgumentError(`HumanSeg.create: model must be 'selfie', 'meet', a registry id or an .onnx path, got ${String(model)}`);
    if (options.output !== undefined && !OUTPUT_KINDS.includes(options.output)) {
      throw new InvalidArgumentError(`HumanSeg.create: output must be 'probability', 'two-logits' or 'class-logits', got ${String(options.output)}`);
    }
    const { path, card } = await resolveSegModel(model, options.onProgress);
    const session = await InferenceSession.create(path, options.session);
    try {
      return new HumanSeg(session, card, options);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Segments the person(s) in one image; the mask has the image's size. */
  run(input: SegInput, options?: SegRunOptions & { format?: 'float' }): Promise<SegResult<FloatMask>>;
  run(input: SegInput, options: SegRunOptions & { format: 'uint8' }): Promise<SegResult<ByteMask>>;
  run(input: SegInput, options?: SegRunOptions): Promise<SegResult<FloatMask> | SegResult<ByteMask>>;
  run(input: SegInput, options: SegRunOptions = {}): Promise<SegResult<FloatMask> | SegResult<ByteMask>> {
    return this.serial.run(() => this.runOne(input, options));
  }

  private async runOne(input: SegInput, options: SegRunOptions): Promise<SegResult<FloatMask> | SegResult<ByteMask>> {
    const format = options.format ?? 'float';
    if (format !== 'float' && format !== 'uint8') throw new InvalidArgumentError(`HumanSeg.run: format must be 'float' or 'uint8', got ${String(format)}`);
    const t0 = performance.now();
    const image = await toRgbImage(input);
    const tDecoded = performance.now();
    // cv2-style bilinear (no anti-aliasing) like tfjs' resizeBilinear: libvips' averaging scored 1.6 points lower person IoU with meet on the eval set.
    const small = await resizeImage(image, this.inputWidth, this.inputHeight);
    const tensor = imageToTensor(small, { layout: 'nhwc', ...this.encoding });
    const t1 = performance.now();
    const inputName = this.session.inputs[0].name;
    const outputName = this.session.outputs[0].name;
    const out = await this.session.run({ [inputName]: { data: tensor, dims: [1, this.inputHeight, this.inputWidth, 3] } }, [outputName]);
    const t2 = performance.now();
    const low = this.probability(out[outputName].data as Float32Array);
    let prob = resizeFloatMap(low, this.inputWidth, this.inputHeight, image.width, image.height);
    const refine = options.refine ?? this.refineDefault;
    if (refine) prob = guidedFilter(image, prob, refine === true ? {} : refine);
    const floatMask: FloatMask = { data: prob, width: image.width, height: image.height };
    const mask = format === 'uint8' ? toByteMask(floatMask) : floatMask;
    const t3 = performance.now();
    const timings: SegTimings = { decode: tDecoded - t0, preprocess: t1 - tDecoded, inference: t2 - t1, postprocess: t3 - t2, total: t3 - t0 };
    return { mask, width: image.width, height: image.height, timings } as
      | SegResult<FloatMask>
      | SegResult<ByteMask>;
  }

  /** The model's output as a person probability map at the model's resolution. */
  private probability(raw: Float32Array): Float32Array {
    const n = this.inputWidth * this.inputHeight;
    if (this.outputKind === 'probability') {
      if (raw.length !== n) throw new ModelError(ErrorCodes.MODEL_INVALID, `${this.session.name}: output has ${raw.length} values, expected ${n}`);
      return raw;
    }
    if (this.outputKind === 'class-logits') {
      const c = this.outputChannels;
      if (raw.length !== c * n) throw new ModelError(ErrorCodes.MODEL_INVALID, `${this.session.name}: output has ${raw.length} values, expected ${c * n} (${c} channels)`);
      // Foreground = every class but the background: 1 − softmax(logits)[0], computed stably.
      const p = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let k = 0; k < c; k++) max = Math.max(max, raw[i * c + k]);
        let sum = 0;
        for (let k = 0; k < c; k++) sum += Math.exp(raw[i * c + k] - max);
        p[i] = 1 - Math.exp(raw[i * c] - max) / sum;
      }
      return p;
    }
    if (raw.length !== 2 * n) throw new ModelError(ErrorCodes.MODEL_INVALID, `${this.session.name}: output has ${raw.length} values, expected ${2 * n} (two channels)`);
    // Two-class logits: softmax over the channel axis = sigmoid(person − background).
    // (The Human library's softmax over the width axis is a bug; see GUIDE §4.)
    const p = new Float32Array(n);
    for (let i = 0; i < n; i++) p[i] = 1 / (1 + Math.exp(raw[2 * i] - raw[2 * i + 1]));
    return p;
  }

  /** The onnxruntime options the model was loaded with. */
  get sessionOptions(): Readonly<SessionOptions> {
    return this.session.options;
  }

  /** Releases the model after a run in progress (idempotent); `run` afterwards throws E_SESSION_RELEASED. */
  dispose(): Promise<void> {
    return this.serial.dispose(() => this.session.release());
  }
}
