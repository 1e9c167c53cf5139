import { ErrorCodes, InferenceSession, InvalidArgumentError, ModelkitError, SerialQueue, readOnnx, resolveModel, toRgbImage } from '@modelkit/core';
import type { ModelCard, SessionOptions } from '@modelkit/core';
import { decodeGfl, matchGflOutputs } from './gfl-decode';
import type { GflCandidates, GflLevel, GflOutputNames } from './gfl-decode';
import { setSquareInputSize } from './input-size';
import { COCO_LABELS } from './labels';
import { NANODET_G_416, registerDetModels } from './model-cards';
import type { NanoDetSpec } from './model-cards';
import { preprocess, toImageBox } from './preprocess';
import { nanoDetSpec } from './spec';
import { DET_PRESETS, resolvePostprocess, suppress } from './suppress';
import type { ResolvedPostprocess } from './suppress';
import type { DetInput, DetResult, DetectorOptions, Detection, PostprocessOptions, ResizeMode } from './types';

/** Per-call options of {@link Detector.run}: post-processing knobs, the resize mode and test-time flipping. */
export interface DetRunOptions extends PostprocessOptions {
  resize?: ResizeMode;
  /**
   * Test-time augmentation: also run the horizontally mirrored image and suppress the
   * candidates of both runs together (mmdetection's flip TTA with NMS merging). Two model
   * runs per image.
   */
  flip?: boolean;
}

/**
 * A COCO object detector (NanoDet-g 416 by default) on onnxruntime: resize, GFL integral
 * decode, per-class NMS (or Matrix NMS), boxes in the input image's pixels.
 *
 * Calls on one instance run one at a time (they queue), so timings stay exact; create
 * several instances for parallel work.
 *
 * @example
 * const det = await Detector.create();
 * const { detections } = await det.run('street.jpg');
 * for (const d of detections) console.log(d.label, d.score.toFixed(2), d.box);
 * await det.dispose();
 */
export class Detector {
  /** Class names, index = class id. */
  readonly labels: readonly string[];
  /** The model's input spec (size, normalisation, strides). */
  readonly spec: Readonly<NanoDetSpec>;
  /** Post-processing defaults of this instance. */
  readonly postprocess: Readonly<ResolvedPostprocess>;
  /** Default resize mode of this instance. */
  readonly resize: ResizeMode;
  /** Default of {@link DetRunOptions.flip}. */
  readonly flip: boolean;
  private readonly serial = new SerialQueue('Detector');

  private constructor(
    private readonly session: InferenceSession,
    private readonly outputs: GflOutputNames[],
    /** The card the model came from. */
    readonly card: ModelCard,
    spec: NanoDetSpec,
    labels: readonly string[],
    postprocess: ResolvedPostprocess,
    resize: ResizeMode,
    flip: boolean,
  ) {
    this.spec = Object.freeze(spec);
    this.labels = Object.freeze([...labels]);
    this.postprocess = Object.freeze(postprocess);
    this.resize = resize;
    this.flip = flip;
  }

  /** Resolves the model (sha256-verified through the registry), opens a session, checks the outputs. */
  static async create(options: DetectorOptions = {}): Promise<Detector> {
    registerDetModels();
    const preset = options.preset ?? 'visual';
    if (!(preset in DET_PRESETS)) throw new InvalidArgumentError(`preset must be 'visual' or 'eval', got ${String(preset)}`);
    const postprocess = resolvePostprocess(DET_PRESETS[preset], options);
    const { card, path } = await resolveDetModel(options);
    const spec = nanoDetSpec(card);
    const resize = options.resize ?? spec.resize;
    checkResize(resize);
    const labels = options.labels ?? card.labels ?? COCO_LABELS;
    if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string')) {
      throw new InvalidArgumentError('labels must be a non-empty array of strings');
    }
    let session: InferenceSession;
    if (options.inputSize !== undefined && options.inputSize !== spec.width) {
      if (spec.width !== spec.height) throw new InvalidArgumentError(`inputSize needs a square model input; ${card.id} is ${spec.width}x${spec.height}`);
      const model = await readOnnx(path);
      setSquareInputSize(model, spec.width, options.inputSize, spec.strides);
      spec.width = spec.height = options.inputSize;
      session = await InferenceSession.create(model, { ...options.session, name: path });
    } else {
      session = await InferenceSession.create(path, options.session);
    }
    try {
      const input = session.inputs[0];
      if (session.inputs.length !== 1 || !input.shape || input.shape.length !== 4) {
        throw new ModelkitError(ErrorCodes.MODEL_FORMAT, `Detector: expected one NCHW image input, the model has ${JSON.stringify(session.inputs)}`);
      }
      const outputs = matchGflOutputs(
        session.outputs.map((o) => ({ name: o.name, dims: o.shape })),
        { strides: spec.strides, inputWidth: spec.width, inputHeight: spec.height, numClasses: labels.length, regMax: spec.regMax },
      );
      return new Detector(session, outputs, card, spec, labels, postprocess, resize, options.flip === true);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Detects objects in one image. `options` override this instance's post-processing per call. */
  run(input: DetInput, options: DetRunOptions = {}): Promise<DetResult> {
    return this.serial.run(async () => {
      const post = resolvePostprocess(this.postprocess, options);
      const resize = options.resize ?? this.resize;
      checkResize(resize);
      const t0 = performance.now();
      const img = await toRgbImage(input);
      const t1 = performance.now();
      const { tensor, transform } = await preprocess(img, this.spec, resize);
      const t2 = performance.now();
      const { width: W } = this.spec;
      const raw = [await this.infer(tensor)];
      if (options.flip ?? this.flip) raw.push(await this.infer(mirrorNchw(tensor, W)));
      const t3 = performance.now();
      const passes = raw.map((r) => this.decode(r, post));
      // Boxes of the mirrored pass, mirrored back into the input's pixels (x → W − x).
      if (passes[1]) passes[1].boxes = passes[1].boxes.map(([x1, y1, x2, y2]) => [W - x2, y1, W - x1, y2]);
      const candidates: GflCandidates =
        passes.length === 1
          ? passes[0]
          : { boxes: passes.flatMap((p) => p.boxes), scores: passes.flatMap((p) => p.scores), classIds: passes.flatMap((p) => p.classIds) };
      const detections: Detection[] = suppress(candidates, post).map(({ index, score }) => ({
        label: this.labels[candidates.classIds[index]],
        classId: candidates.classIds[index],
        score,
        box: toImageBox(candidates.boxes[index], transform),
      }));
      const t4 = performance.now();
      return {
        detections,
        width: img.width,
        height: img.height,
        timings: { decode: t1 - t0, preprocess: t2 - t1, inference: t3 - t2, postprocess: t4 - t3, total: t4 - t0 },
      };
    });
  }

  /** One model run on an input tensor; raw outputs by name. */
  private infer(tensor: Float32Array): Promise<Record<string, { data: unknown }>> {
    const { height: H, width: W } = this.spec;
    const feeds = { [this.session.inputs[0].name]: { data: tensor, dims: [1, 3, H, W] } };
    return this.session.run(feeds, this.outputs.flatMap((o) => [o.scores, o.distances]));
  }

  /** GFL candidates of one run, in model-input pixels. */
  private decode(raw: Record<string, { data: unknown }>, post: ResolvedPostprocess): GflCandidates {
    const levels: GflLevel[] = this.outputs.map((o) => ({
      stride: o.stride,
      width: o.width,
      height: o.height,
      scores: raw[o.scores].data as Float32Array,
      distances: raw[o.distances].data as Float32Array,
    }));
    return decodeGfl(levels, {
      numClasses: this.labels.length,
      regMax: this.spec.regMax,
      scoreThreshold: post.scoreThreshold,
      nmsPre: post.nmsPre,
      centerOffset: this.spec.centerOffset,
      inputWidth: this.spec.width,
      inputHeight: this.spec.height,
    });
  }

  /** Releases the onnxruntime session after a run in progress. Idempotent; `run` afterwards throws SessionError E_SESSION_RELEASED. */
  dispose(): Promise<void> {
    return this.serial.dispose(() => this.session.release());
  }

  /** The onnxruntime options the model was loaded with. */
  get sessionOptions(): Readonly<SessionOptions> {
    return this.session.options;
  }

  /** Cumulative onnxruntime statistics since creation (for benchmarks). */
  get stats(): { runs: number; runMs: number } {
    return { ...this.session.stats };
  }
}

function checkResize(mode: unknown): asserts mode is ResizeMode {
  if (mode !== 'resize' && mode !== 'letterbox') throw new InvalidArgumentError(`resize must be 'resize' or 'letterbox', got ${String(mode)}`);
}

async function resolveDetModel(o: DetectorOptions): Promise<{ card: ModelCard; path: string }> {
  // A bare .onnx file or URL is read like NanoDet-g: its preprocessing, head layout and labels.
  const resolved = await resolveModel(o.model ?? NANODET_G_416.id, {
    like: NANODET_G_416,
    what: 'model (--model)',
    cacheDir: o.cacheDir,
    offline: o.offline,
    onProgress: o.onProgress,
  });
  const path = resolved.paths['model.onnx'] ?? Object.values(resolved.paths)[0];
  if (!path) throw new InvalidArgumentError(`Model card ${resolved.card.id} has no files`);
  return { card: resolved.card, path };
}

/** A 3-channel NCHW image tensor mirrored left to right. */
function mirrorNchw(t: Float32Array, width: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let row = 0; row < t.length; row += width) {
    for (let x = 0; x < width; x++) out[row + x] = t[row + width - 1 - x];
  }
  return out;
}
