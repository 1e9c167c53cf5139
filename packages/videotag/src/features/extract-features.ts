/**
 * Decode → frame features, streamed: frames are embedded in small batches as ffmpeg
 * delivers them and then dropped (only their features and a small thumbnail stay), so
 * memory does not grow with the video's length. Results are cached on disk per content
 * hash and settings.
 */
import { encodeImage, resizeImageSync, type RgbImage } from '@modelkit/core';
import { samplingKey, type Sampling } from '../sampling/sampling';
import { DEFAULT_FRAME_SIZE, readFrames } from '../video/read-frames';
import type { VideoSource } from '../video/video-source';
import { cacheKey, contentHash, readCachedFeatures, writeCachedFeatures } from './feature-cache';
import type { FrameEmbedder } from './frame-embedder';
import type { FrameDetection, ObjectDetector } from './object-detector';
import { THUMB_HEIGHT, type FeatureSettings, type VideoFeatures } from './video-features';

/** The models that turn frames into features. */
export interface FeatureModels {
  embedder: FrameEmbedder;
  /** `id@version:sha256` of the frame model (part of cache keys). */
  embedderId: string;
  /** Per-frame objects, when a detection kit is installed and wanted. */
  detector?: ObjectDetector;
}

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  sampling: Sampling;
  /** Short side of decoded frames (default 256). */
  size?: number;
  keyframesOnly?: boolean;
  /** Scene-change threshold of the timeline; null or undefined: no timeline. */
  sceneThreshold?: number | null;
  /** ffmpeg decoder threads. */
  threads?: number;
  /** Read and write the feature cache (default true). */
  cache?: boolean;
  /** Frames per onnxruntime run (default 8). */
  batchSize?: number;
  signal?: AbortSignal;
}

/** Milliseconds per stage: waiting for ffmpeg, building tensors, inside the models, the rest. */
export interface ExtractTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

/** What {@link extractFeatures} returns. */
export interface Extracted {
  features: VideoFeatures;
  timings: ExtractTimings;
  /** True when the features came from the cache (nothing was decoded). */
  cached: boolean;
}

/** The settings of an extraction, i.e. what its features depend on. */
export function featureSettings(models: FeatureModels, o: ExtractOptions): FeatureSettings {
  return {
    sampling: samplingKey(o.sampling),
    size: o.size ?? DEFAULT_FRAME_SIZE,
    keyframesOnly: o.keyframesOnly === true,
    sceneThreshold: o.sceneThreshold ?? null,
    embedder: models.embedderId,
    detector: models.detector?.id ?? null,
  };
}

async function thumbnail(image: RgbImage): Promise<Buffer> {
  const w = Math.max(1, Math.round((image.width * THUMB_HEIGHT) / image.height));
  return encodeImage(resizeImageSync(image, w, THUMB_HEIGHT), 'jpeg', { quality: 80 });
}

/**
 * The cached features of a file for these settings, without opening it (no probe, no
 * decode), or undefined on a miss or with the cache off.
 */
export async function cachedFeatures(path: string, models: FeatureModels, options: ExtractOptions): Promise<Extracted | undefined> {
  if (options.cache === false) return undefined;
  const t0 = performance.now();
  const hit = await readCachedFeatures(cacheKey(await contentHash(path), featureSettings(models, options)));
  if (!hit) return undefined;
  return { features: hit, timings: { decode: performance.now() - t0, preprocess: 0, inference: 0, postprocess: 0 }, cached: true };
}

/**
 * Features of a video for the given sampling: MobileNetV2 embeddings and content-class
 * probabilities per decoded frame, per-frame objects when a detector is given, the scene
 * timeline, and thumbnails.
 * @throws ModelkitError from decoding (`E_VIDEO_DECODE`, `E_FFMPEG_NOT_FOUND`, …).
 */
export async function extractFeatures(source: VideoSource, models: FeatureModels, options: ExtractOptions): Promise<Extracted> {
  const settings = featureSettings(models, options);
  const useCache = options.cache !== false;
  const timings: ExtractTimings = { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
  let key: string | undefined;
  if (useCache) {
    const t0 = performance.now();
    key = cacheKey(await contentHash(source.path), settings);
    const hit = await readCachedFeatures(key);
    timings.decode += performance.now() - t0;
    if (hit) return { features: { ...hit, info: source.info }, timings, cached: true };
  }

  const pass = readFrames(source, {
    sampling: options.sampling,
    size: settings.size,
    keyframesOnly: settings.keyframesOnly,
    sceneThreshold: options.sceneThreshold ?? undefined,
    threads: options.threads,
    signal: options.signal,
  });
  const batchSize = options.batchSize ?? 8;
  const embeddings: Float32Array[] = [];
  const safety: Float32Array[] = [];
  const objectScores: Float32Array[] = [];
  const detections: FrameDetection[][] = [];
  const thumbnails: Buffer[] = [];
  let batch: RgbImage[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const e = await models.embedder.embed(batch);
    timings.preprocess += e.preprocessMs;
    timings.inference += e.inferenceMs;
    embeddings.push(...e.embeddings);
    safety.push(...e.safety);
    if (models.detector) {
      const t0 = performance.now();
      for (const image of batch) {
        const found = await models.detector.detect(image);
        detections.push(found);
        objectScores.push(models.detector.scoreVector(found));
      }
      timings.inference += performance.now() - t0;
    }
    const t1 = performance.now();
    for (const image of batch) thumbnails.push(await thumbnail(image));
    timings.postprocess += performance.now() - t1;
    batch = [];
  };

  const it = pass[Symbol.asyncIterator]();
  for (;;) {
    const t0 = performance.now();
    const next = await it.next();
    timings.decode += performance.now() - t0;
    if (next.done) break;
    batch.push(next.value.image);
    if (batch.length >= batchSize) await flush();
  }
  await flush();

  const embedDim = models.embedder.dim;
  const concat = (rows: Float32Array[], dim: number): Float32Array => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => out.set(r, i * dim));
    return out;
  };
  const labels = models.detector ? [...models.detector.labels] : null;
  const features: VideoFeatures = {
    info: source.info,
    settings,
    times: pass.times.slice(),
    slots: pass.slotFrames(),
    embedDim,
    embeddings: concat(embeddings, embedDim),
    safety: concat(safety, safety[0]?.length ?? 5),
    objectLabels: labels,
    objectScores: labels ? concat(objectScores, labels.length) : null,
    detections: models.detector ? detections : null,
    scenes: pass.scenes.slice(),
    warnings: pass.warnings.slice(),
    thumbnails,
  };
  if (key) await writeCachedFeatures(key, features);
  return { features, timings, cached: false };
}
