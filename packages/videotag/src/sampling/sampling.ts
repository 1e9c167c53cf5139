/**
 * How frames are picked from a video. All three modes run inside ffmpeg's filter graph, so
 * frames that are not picked are never converted, scaled or sent through the pipe.
 */
import { InvalidArgumentError } from '@modelkit/core';

/**
 * TSN segments (Wang et al., "Temporal Segment Networks"): the video is cut into `segments`
 * equal parts and one frame is taken from each — its centre for inference, a random frame
 * for training. With `perSegment: k` each segment gives k evenly spaced frames (cached
 * once, so training can pick a random one per segment each epoch without decoding again).
 */
export interface SegmentSampling {
  mode: 'segments';
  segments: number;
  /** `center` (default) or `random` (seeded by `seed`). */
  pick?: 'center' | 'random';
  /** Frames per segment (default 1). */
  perSegment?: number;
  /** Seed of `random` (default 0). */
  seed?: number;
}

/** A fixed rate: the first frame at or after every 1/fps seconds. */
export interface FpsSampling {
  mode: 'fps';
  fps: number;
  /** Stop after this many frames. */
  maxFrames?: number;
}

/** Shot changes: the first frame, then every frame whose ffmpeg scene score is above `threshold`. */
export interface SceneSampling {
  mode: 'scenes';
  /** Scene score above which a frame starts a new shot, 0..1 (default 0.3). */
  threshold?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
}

/** One of the sampling modes. */
export type Sampling = SegmentSampling | FpsSampling | SceneSampling;

/** Default scene-change threshold (ffmpeg's scene score is the mean absolute frame difference, 0..1). */
export const DEFAULT_SCENE_THRESHOLD = 0.3;

/** Largest number of slots one run may ask for (segments × perSegment); keeps filter expressions bounded. */
const MAX_SLOTS = 2000;

/** A checked sampling with its defaults filled in. */
export type CheckedSampling = Required<SegmentSampling> | FpsSampling | (SceneSampling & { threshold: number });

function positiveInt(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max)) throw new InvalidArgumentError(`${what} must be an integer in [1, ${max}], got ${String(v)}`);
  return v;
}

/**
 * Checks a sampling and fills its defaults.
 * @throws InvalidArgumentError naming the bad field.
 */
export function checkSampling(s: Sampling): CheckedSampling {
  switch (s.mode) {
    case 'segments': {
      const segments = positiveInt(s.segments, 'sampling.segments', MAX_SLOTS);
      const perSegment = positiveInt(s.perSegment ?? 1, 'sampling.perSegment', MAX_SLOTS);
      if (segments * perSegment > MAX_SLOTS) throw new InvalidArgumentError(`sampling: segments × perSegment must be at most ${MAX_SLOTS}, got ${segments * perSegment}`);
      const pick = s.pick ?? 'center';
      if (pick !== 'center' && pick !== 'random') throw new InvalidArgumentError(`sampling.pick must be 'center' or 'random', got ${String(pick)}`);
      return { mode: 'segments', segments, perSegment, pick, seed: s.seed ?? 0 };
    }
    case 'fps': {
      if (!(typeof s.fps === 'number' && s.fps > 0 && s.fps <= 240)) throw new InvalidArgumentError(`sampling.fps must be in (0, 240], got ${String(s.fps)}`);
      return { mode: 'fps', fps: s.fps, maxFrames: s.maxFrames === undefined ? undefined : positiveInt(s.maxFrames, 'sampling.maxFrames') };
    }
    case 'scenes': {
      const threshold = s.threshold ?? DEFAULT_SCENE_THRESHOLD;
      if (!(typeof threshold === 'number' && threshold > 0 && threshold < 1)) throw new InvalidArgumentError(`sampling.threshold must be in (0, 1), got ${String(threshold)}`);
      return { mode: 'scenes', threshold, maxFrames: s.maxFrames === undefined ? undefined : positiveInt(s.maxFrames, 'sampling.maxFrames') };
    }
    default:
      throw new InvalidArgumentError(`sampling.mode must be 'segments', 'fps' or 'scenes', got ${String((s as { mode?: unknown }).mode)}`);
  }
}

/** A stable text key of a sampling (for feature caches). */
export function samplingKey(s: Sampling): string {
  const c = checkSampling(s);
  return JSON.stringify(Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b))));
}
