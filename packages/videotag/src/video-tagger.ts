/**
 * The videotag pipeline (what the kit's `create` returns): the frame model, the optional
 * detection kit, an optional trained head, and ffmpeg — loaded once, then `tag` per video.
 */
import { defaultRegistry, ErrorCodes, InvalidArgumentError, ModelError, type ProgressCallback, type SessionOptions } from '@modelkit/core';
import { cachedFeatures, extractFeatures, type ExtractOptions, type Extracted, type FeatureModels } from './features/extract-features';
import { FrameEmbedder } from './features/frame-embedder';
import { ObjectDetector } from './features/object-detector';
import { findFfmpeg, type FfmpegPaths } from './ffmpeg/find-ffmpeg';
import { headSequence } from './heads/head-sequence';
import { TrainedHead } from './heads/trained-head';
import { FRAME_FEATURES_CARD, registerVideotagModels } from './model-cards';
import { DEFAULT_SCENE_THRESHOLD, type Sampling } from './sampling/sampling';
import { tagFeatures, type HeadOutput } from './tagger/tag-video';
import type { VideoTagResult } from './tagger/video-tag-result';
import { VideoSource } from './video/video-source';

/** Options of {@link VideoTagger.create}. */
export interface VideoTaggerOptions {
  /** Detection kit for objects and people: a kit name (default `det`), or `none`. */
  objects?: string;
  /** A head trained by `videotag train`: its output folder, card file, registry id or URL#sha256=HEX. */
  model?: string;
  /** Refuse videos longer than this many seconds (0 = no limit). Default: none for paths, 600 for bytes (uploads). */
  maxDuration?: number;
  /** onnxruntime options of every model. */
  session?: SessionOptions;
  onProgress?: ProgressCallback;
  /** The ffmpeg to use (default: `MODELKIT_FFMPEG`, then PATH, then `@ffmpeg-installer/ffmpeg`). */
  ffmpeg?: FfmpegPaths;
}

/** Per-video options of {@link VideoTagger.tag}. */
export interface TagOptions {
  /** How frames are picked (default `segments`; a trained head fixes it to its own). */
  sampling?: 'segments' | 'fps' | 'scenes';
  /** TSN segments (default 32). */
  segments?: number;
  /** Frames per second for `fps` sampling (default 1). */
  fps?: number;
  /** At most this many frames for `fps` and `scenes` sampling (default 300). */
  maxFrames?: number;
  /** Make the scene-cut timeline (default true; costs a scene score per decoded frame). */
  scenes?: boolean;
  /** Scene score of a cut, 0..1 (default 0.3). */
  sceneThreshold?: number;
  /** Decode keyframes only: several times faster on long videos, positions snap to keyframes. */
  keyframesOnly?: boolean;
  /** Safety and head tags need this probability (default 0.5). */
  threshold?: number;
  /** A detection counts at this score (default 0.35). */
  objectThreshold?: number;
  /** At most this many tags per source (default 10). */
  topK?: number;
  /** Use the feature cache (default true). */
  cache?: boolean;
  /** Name of a video given as bytes, for messages. */
  name?: string;
  signal?: AbortSignal;
}

/** What {@link VideoTagger.analyse} found in one video. */
export interface Analysis {
  extracted: Extracted;
  /** The trained head's probabilities, when a head is loaded. */
  head?: HeadOutput;
  headMs: number;
  samplingLabel: string;
  sceneThreshold: number | null;
  /** `performance.now()` when the analysis started. */
  startedAt: number;
}

/** The options of {@link TagOptions} that have defaults. */
type TagDefaults = Required<Pick<TagOptions, 'sampling' | 'segments' | 'fps' | 'maxFrames' | 'scenes' | 'sceneThreshold' | 'threshold' | 'objectThreshold' | 'topK'>>;

/** Defaults of {@link TagOptions}. */
export const TAG_DEFAULTS: Readonly<TagDefaults> = {
  sampling: 'segments',
  segments: 32,
  fps: 1,
  maxFrames: 300,
  scenes: true,
  sceneThreshold: DEFAULT_SCENE_THRESHOLD,
  threshold: 0.5,
  objectThreshold: 0.35,
  topK: 10,
};

/** Default duration cap of videos given as bytes (uploads), in seconds. */
export const UPLOAD_MAX_DURATION = 600;

/** Tags videos; see the package README for the two stages. */
export class VideoTagger {
  private constructor(
    readonly embedder: FrameEmbedder,
    /** `id@version:sha` of the frame model (part of feature cache keys). */
    readonly embedderId: string,
    readonly detector: ObjectDetector | undefined,
    readonly head: TrainedHead | undefined,
    readonly ffmpeg: FfmpegPaths,
    /** Things the tagger cannot do here, and why (reported with every result). */
    readonly notes: readonly string[],
    private readonly maxDuration: number | undefined,
  ) {}

  /**
   * Loads the models and finds ffmpeg.
   * @throws ModelkitError `E_FFMPEG_NOT_FOUND`; `E_MODEL_FORMAT` for a `model` that is not a
   *   videotag head, or a head that reads objects when no detection kit is installed.
   */
  static async create(options: VideoTaggerOptions = {}): Promise<VideoTagger> {
    const ffmpeg = options.ffmpeg ?? findFfmpeg();
    registerVideotagModels();
    const resolved = await defaultRegistry.resolve(FRAME_FEATURES_CARD.id);
    const embedder = await FrameEmbedder.create(resolved.paths['model.onnx'], options.session);
    const embedderId = `${FRAME_FEATURES_CARD.id}@${FRAME_FEATURES_CARD.version}:${FRAME_FEATURES_CARD.files[0].sha256.slice(0, 12)}`;
    const notes: string[] = [];
    let detector: ObjectDetector | undefined;
    let head: TrainedHead | undefined;
    try {
      const kitName = options.objects ?? 'det';
      if (kitName !== 'none') {
        detector = await ObjectDetector.create({ kit: kitName, threads: options.session?.threads });
        if (!detector) notes.push(`no objects or people: the '${kitName}' detection kit is not installed (npm i @modelkit/det)`);
      }
      if (options.model) {
        head = await TrainedHead.load(options.model, { session: options.session, onProgress: options.onProgress });
        const wantsObjects = head.spec.modalities.some((m) => m.name === 'objects');
        if (wantsObjects && !detector) {
          throw new ModelError(ErrorCodes.MODEL_FORMAT, `model (--model): ${head.card.id} reads object features, which need the det kit (npm i @modelkit/det, and do not pass objects: 'none')`, {
            details: { model: head.card.id },
          });
        }
        if (wantsObjects && detector && JSON.stringify(head.spec.objectLabels) !== JSON.stringify(detector.labels)) {
          throw new ModelError(ErrorCodes.MODEL_FORMAT, `model (--model): ${head.card.id} was trained on another detector's classes than the installed one`, { details: { model: head.card.id } });
        }
      }
    } catch (err) {
      await Promise.all([embedder.release(), detector?.dispose(), head?.release()]);
      throw err;
    }
    return new VideoTagger(embedder, embedderId, detector, head, ffmpeg, notes, options.maxDuration);
  }

  /** The models feature extraction uses (without the detector when `objects` is false). */
  featureModels(objects = true): FeatureModels {
    return { embedder: this.embedder, embedderId: this.embedderId, detector: objects ? this.detector : undefined };
  }

  /** Opens (checks and probes) a video with this tagger's ffmpeg and duration cap. */
  open(input: string | Uint8Array, name?: string): Promise<VideoSource> {
    const maxDuration = this.maxDuration ?? (typeof input === 'string' ? undefined : UPLOAD_MAX_DURATION);
    return VideoSource.open(input, { name, ffmpeg: this.ffmpeg, maxDuration });
  }

  /**
   * Features of one video: from the cache when a path's content was seen with these
   * settings (then the file is not even probed), else decoded and cached.
   */
  async extract(input: string | Uint8Array, options: ExtractOptions & { objects?: boolean; name?: string }): Promise<Extracted> {
    const models = this.featureModels(options.objects !== false);
    const hit = typeof input === 'string' ? await this.fromCache(input, models, options) : undefined;
    if (hit) return hit;
    const source = await this.open(input, options.name);
    try {
      return await extractFeatures(source, models, options);
    } finally {
      await source.close();
    }
  }

  /** A cache hit for a path, still held to the duration cap. */
  private async fromCache(path: string, models: FeatureModels, options: ExtractOptions): Promise<Extracted | undefined> {
    const hit = await cachedFeatures(path, models, options).catch(() => undefined);
    if (hit && this.maxDuration && hit.features.info.duration > this.maxDuration) return undefined; // let open() refuse it with its message
    return hit;
  }

  /**
   * Features and (with a trained head) head probabilities of one video: what tags are made
   * from, unthresholded (evaluation ranks these).
   * @throws ModelkitError as {@link tag}.
   */
  async analyse(input: string | Uint8Array, options: TagOptions = {}): Promise<Analysis> {
    const t0 = performance.now();
    const o = { ...TAG_DEFAULTS, ...options };
    const { sampling, label } = this.samplingOf(o);
    const sceneThreshold = o.scenes ? o.sceneThreshold : null;
    const extractOptions: ExtractOptions = {
      sampling,
      size: this.head?.spec.frameSize,
      keyframesOnly: this.head ? this.head.spec.keyframesOnly : o.keyframesOnly,
      sceneThreshold,
      cache: o.cache,
      signal: o.signal,
    };
    const hit = typeof input === 'string' ? await this.fromCache(input, this.featureModels(), extractOptions) : undefined;
    const source = hit ? undefined : await this.open(input, options.name);
    try {
      const extracted = hit ?? (await extractFeatures(source!, this.featureModels(), extractOptions));
      let head: HeadOutput | undefined;
      let headMs = 0;
      if (this.head) {
        const h0 = performance.now();
        const seq = headSequence(extracted.features, { segments: this.head.spec.segments, perSegment: 1, modalities: this.head.spec.modalities, pick: () => 0 });
        head = { probs: await this.head.predict(seq), labels: this.head.labels };
        headMs = performance.now() - h0;
      }
      return { extracted, head, headMs, samplingLabel: label, sceneThreshold, startedAt: t0 };
    } finally {
      await source?.close();
    }
  }

  /**
   * Tags one video (path or bytes).
   * @throws ModelkitError `E_FILE_NOT_FOUND`, `E_VIDEO_DECODE`, `E_VIDEO_TOO_LONG`,
   *   `E_IMAGE_TOO_LARGE`, `E_INVALID_ARGUMENT` (options that contradict a loaded head).
   */
  async tag(input: string | Uint8Array, options: TagOptions = {}): Promise<VideoTagResult> {
    const o = { ...TAG_DEFAULTS, ...options };
    const a = await this.analyse(input, options);
    return tagFeatures(
      a.extracted,
      { threshold: o.threshold, objectThreshold: o.objectThreshold, topK: o.topK, sceneThreshold: a.sceneThreshold },
      { sampling: a.samplingLabel, head: a.head, notes: [...this.notes], totalMs: performance.now() - a.startedAt, headMs: a.headMs },
    );
  }

  private samplingOf(o: TagDefaults & TagOptions): { sampling: Sampling; label: string } {
    if (this.head) {
      const n = this.head.spec.segments;
      if (o.sampling !== 'segments' || (o.segments !== TAG_DEFAULTS.segments && o.segments !== n)) {
        throw new InvalidArgumentError(`the loaded head (${this.head.card.id}) reads ${n} centre frames of ${n} segments; leave sampling and segments unset`, {
          details: { segments: n },
        });
      }
      return { sampling: { mode: 'segments', segments: n }, label: `${n} segments (centre)` };
    }
    if (o.sampling === 'fps') return { sampling: { mode: 'fps', fps: o.fps, maxFrames: o.maxFrames }, label: `${o.fps} fps (at most ${o.maxFrames} frames)` };
    if (o.sampling === 'scenes') {
      return { sampling: { mode: 'scenes', threshold: o.sceneThreshold, maxFrames: o.maxFrames }, label: `scene cuts (score > ${o.sceneThreshold}, at most ${o.maxFrames} frames)` };
    }
    return { sampling: { mode: 'segments', segments: o.segments }, label: `${o.segments} segments (centre)` };
  }

  /** Releases every model. */
  async dispose(): Promise<void> {
    await Promise.all([this.embedder.release(), this.detector?.dispose(), this.head?.release()]);
  }
}
