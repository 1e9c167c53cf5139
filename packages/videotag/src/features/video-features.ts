/** Everything one decoding pass learns about a video: what training, tagging and the contact sheet need. */
import type { SceneChange } from '../ffmpeg/frame-stream';
import type { VideoInfo } from '../ffmpeg/video-info';
import type { FrameDetection } from './object-detector';

/** The settings a set of features depends on (they are its cache key, with the file's content hash). */
export interface FeatureSettings {
  /** `samplingKey` of the sampling used. */
  sampling: string;
  /** Short side of decoded frames. */
  size: number;
  keyframesOnly: boolean;
  /** Scene threshold of the timeline, or null when no timeline was made. */
  sceneThreshold: number | null;
  /** `id@version:sha256` of the frame model. */
  embedder: string;
  /** The detection kit and model (`package@version/card@version`), or null without objects. */
  detector: string | null;
}

/** Per-frame features and analysis of one video (frames in decoding order). */
export interface VideoFeatures {
  info: VideoInfo;
  settings: FeatureSettings;
  /** Seconds from the start of each decoded frame. */
  times: number[];
  /** For each sampling slot, the decoded frame serving it (segment sampling: `segments × perSegment`). */
  slots: number[];
  /** Size of one embedding (1280). */
  embedDim: number;
  /** `frames × embedDim` MobileNetV2 embeddings. */
  embeddings: Float32Array;
  /** `frames × 5` content-class probabilities (drawing, hentai, neutral, porn, sexy). */
  safety: Float32Array;
  /** The detector's class names, or null when no detector ran. */
  objectLabels: string[] | null;
  /** `frames × objectLabels.length` best score per class, or null. */
  objectScores: Float32Array | null;
  /** Detections per frame (score ≥ the detector floor), or null. */
  detections: FrameDetection[][] | null;
  /** Scene changes of the timeline. */
  scenes: SceneChange[];
  warnings: string[];
  /** A small JPEG of each frame (height {@link THUMB_HEIGHT}), for contact sheets. */
  thumbnails: Buffer[];
}

/** Height of the thumbnails kept per frame. */
export const THUMB_HEIGHT = 96;

/** Number of decoded frames. */
export function frameCount(f: Pick<VideoFeatures, 'times'>): number {
  return f.times.length;
}

/** Row `i` of a `rows × dim` matrix. */
export function row(m: Float32Array, dim: number, i: number): Float32Array {
  return m.subarray(i * dim, (i + 1) * dim);
}
