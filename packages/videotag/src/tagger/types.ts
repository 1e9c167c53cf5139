/** The result types of the tagger. */

/** Where a tag comes from. */
export type TagSource =
  /** COCO objects of the detection kit, over the sampled frames. */
  | 'objects'
  /** nsfwjs' five content classes (drawing, hentai, neutral, porn, sexy). */
  | 'safety'
  /** A head trained with `modelkit videotag train` (`--model`). */
  | 'head';

/** A time range in seconds from the start: [start, end]. */
export type TimeSpan = [number, number];

/** One tag of a video. */
export interface VideoTag {
  label: string;
  /** Confidence 0..1: objects — the best per-frame detection score; safety — the mean probability over frames; head — the head's sigmoid output. */
  score: number;
  source: TagSource;
  /** Where in the video it holds (head tags: the whole video). */
  segments: TimeSpan[];
  /** Objects: share of sampled frames where it is detected. */
  support?: number;
  /** Objects: time of the first and last frame where it is detected. */
  first?: number;
  last?: number;
}

/** People detected per sampled frame. */
export interface PeopleCount {
  /** Most people in one frame. */
  max: number;
  /** Mean over sampled frames. */
  mean: number;
  timeline: { time: number; count: number }[];
}

/** Shot changes: the cuts found and the shots between them. */
export interface SceneTimeline {
  /** Scene score threshold used (ffmpeg's scene score, 0..1). */
  threshold: number;
  cuts: { time: number; score: number }[];
  shots: TimeSpan[];
}
