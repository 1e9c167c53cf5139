/** The option schemas of the videotag kit (CLI flags, HTTP query parameters, batch options). */
import type { OptionSchema } from '@modelkit/core';
import { TAG_DEFAULTS, type TagOptions } from './video-tagger';

/** Create options (fixed when the models load). */
export interface VideotagKitOptions {
  /** Detection kit for objects and people (`det`), or `none`. */
  objects?: string;
  /** A head trained by `videotag train` (output folder, card, registry id or URL#sha256=HEX). */
  model?: string;
  /** Longest video accepted, seconds (0 = none; default none for files, 600 for uploads). */
  maxDuration?: number;
}

/** Run options (per video): {@link TagOptions} less what only the API can pass (bytes' name, abort signal). */
export type VideotagRunOptions = Omit<TagOptions, 'name' | 'signal'>;

export const CREATE_OPTIONS: OptionSchema<VideotagKitOptions> = {
  objects: { type: 'string', description: "detection kit for COCO objects and people count, or 'none' (needs @modelkit/det)", default: 'det' },
  model: { type: 'model', description: 'a head trained by `videotag train`: its output folder, card file, registry id or URL#sha256=HEX' },
  maxDuration: { type: 'number', min: 0, description: 'refuse videos longer than this many seconds, 0 = no limit (default: none for files, 600 for uploads)' },
};

export const RUN_OPTIONS: OptionSchema<VideotagRunOptions> = {
  sampling: { type: 'string', choices: ['segments', 'fps', 'scenes'], description: 'frame sampling: TSN segment centres, a fixed rate, or one frame per shot', default: TAG_DEFAULTS.sampling },
  segments: { type: 'integer', min: 1, max: 2000, description: 'TSN segments (frames) for segment sampling', default: TAG_DEFAULTS.segments },
  fps: { type: 'number', min: 0.001, max: 240, description: 'frames per second for fps sampling', default: TAG_DEFAULTS.fps },
  maxFrames: { type: 'integer', min: 1, max: 2000, description: 'at most this many frames for fps and scene sampling', default: TAG_DEFAULTS.maxFrames },
  scenes: { type: 'boolean', flag: '--no-scenes', description: 'make the scene-cut timeline (--no-scenes saves a scene score per decoded frame)', default: TAG_DEFAULTS.scenes },
  sceneThreshold: { type: 'number', min: 0.01, max: 0.99, description: "scene-change score of a cut (ffmpeg's scene score)", default: TAG_DEFAULTS.sceneThreshold },
  keyframesOnly: { type: 'boolean', description: 'decode keyframes only: several times faster on long videos, frames snap to keyframes' },
  threshold: { type: 'number', min: 0, max: 1, description: 'content-safety and trained-head tags need this probability', default: TAG_DEFAULTS.threshold },
  objectThreshold: { type: 'number', min: 0, max: 1, description: 'a detection counts in a frame at this score', default: TAG_DEFAULTS.objectThreshold },
  topK: { type: 'integer', min: 1, description: 'at most this many tags per source', default: TAG_DEFAULTS.topK },
  cache: { type: 'boolean', flag: '--no-cache', description: 'reuse and store frame features under MODELKIT_HOME/videotag/features (--no-cache: decode again, store nothing)', default: true },
};
