/** Turns a video's features into tags: objects over time, people count, content safety, scene timeline, trained-head tags. */
import type { Extracted } from '../features/extract-features';
import { frameCount } from '../features/video-features';
import { frameCoverage } from './frame-spans';
import { headTags } from './head-tags';
import { objectTags, peopleCount } from './object-tags';
import { safetyMeans, safetyTags } from './safety-tags';
import { sceneTimeline } from './scene-timeline';
import type { VideoTagResult } from './video-tag-result';

/** Thresholds of {@link tagFeatures}. */
export interface TagThresholds {
  /** Safety and head tags need at least this probability (PaddleHub's `threshold`, 0.5). */
  threshold: number;
  /** A detection counts in a frame at this score (det's visual preset, 0.35). */
  objectThreshold: number;
  /** At most this many tags per source (PaddleHub's `top_k`, 10). */
  topK: number;
  /** Scene score of a cut, or null without a timeline. */
  sceneThreshold: number | null;
}

/** A trained head's output for the video. */
export interface HeadOutput {
  probs: Float32Array;
  labels: readonly string[];
}

/** Builds the result of one video. */
export function tagFeatures(
  extracted: Extracted,
  t: TagThresholds,
  o: { sampling: string; head?: HeadOutput; notes?: string[]; totalMs: number; headMs?: number },
): VideoTagResult {
  const t0 = performance.now();
  const f = extracted.features;
  const n = frameCount(f);
  const duration = f.info.duration;
  const coverage = frameCoverage(f.times, duration);
  const tags = [
    ...(f.detections ? objectTags(f.detections, f.times, coverage, t.objectThreshold).slice(0, t.topK) : []),
    ...safetyTags(f.safety, n, coverage, t.threshold).slice(0, t.topK),
    ...(o.head ? headTags(o.head.probs, o.head.labels, duration, t.threshold, t.topK) : []),
  ];
  const result: VideoTagResult = {
    duration: Math.round(duration * 1000) / 1000,
    width: f.info.width,
    height: f.info.height,
    fps: Math.round(f.info.fps * 1000) / 1000,
    sampling: o.sampling,
    frames: n,
    tags,
    people: f.detections ? peopleCount(f.detections, f.times, t.objectThreshold) : null,
    safety: safetyMeans(f.safety, n),
    scenes: t.sceneThreshold !== null ? sceneTimeline(f.scenes, duration, t.sceneThreshold) : null,
    notes: [...(o.notes ?? []), ...f.warnings],
    cached: extracted.cached,
    timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0, framesDecoded: extracted.cached ? 0 : n },
    features: f,
  };
  const x = extracted.timings;
  const post = x.postprocess + (performance.now() - t0);
  result.timings = {
    decode: x.decode,
    preprocess: x.preprocess,
    inference: x.inference + (o.headMs ?? 0),
    postprocess: post,
    total: o.totalMs + (performance.now() - t0),
    framesDecoded: result.timings.framesDecoded,
  };
  return result;
}
