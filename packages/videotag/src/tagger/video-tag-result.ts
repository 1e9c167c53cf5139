/** The result of tagging one video (JSON form: everything but `features`). */
import type { KitTimings } from '@modelkit/core';
import type { VideoFeatures } from '../features/video-features';
import type { PeopleCount, SceneTimeline, VideoTag } from './types';

/** Timings of one video: the five of every kit, plus whether the features came from the cache. */
export interface VideoTagTimings extends KitTimings {
  /** Frames decoded (0 when the features came from the cache). */
  framesDecoded: number;
}

/** What `modelkit videotag VIDEO` reports for one video. */
export interface VideoTagResult {
  /** Length in seconds. */
  duration: number;
  width: number;
  height: number;
  fps: number;
  /** How frames were sampled, e.g. `32 segments (centre)`. */
  sampling: string;
  /** Frames analysed (decoded frames; a short clip may give fewer than the segments asked for). */
  frames: number;
  tags: VideoTag[];
  /** People per sampled frame (needs the detection kit). */
  people: PeopleCount | null;
  /** Mean probability of nsfwjs' five content classes over the frames. */
  safety: Record<string, number>;
  /** Shot timeline, or null when it was turned off (`scenes: false`). */
  scenes: SceneTimeline | null;
  /** What could not be done, and why (e.g. no detection kit installed), and decoding problems. */
  notes: string[];
  /** True when the features came from the feature cache (nothing was decoded). */
  cached: boolean;
  timings: VideoTagTimings;
  /** The per-frame analysis behind the result (for the contact sheet); not part of the JSON. */
  features?: VideoFeatures;
}
