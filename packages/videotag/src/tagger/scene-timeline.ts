/** The shot timeline from ffmpeg's scene-change scores. */
import type { SceneChange } from '../ffmpeg/frame-stream';
import { round3 } from './frame-spans';
import type { SceneTimeline } from './types';

/** Cuts (scene changes at or above `threshold`, after the first frame) and the shots between them. */
export function sceneTimeline(changes: readonly SceneChange[], duration: number, threshold: number): SceneTimeline {
  const cuts = changes
    .filter((c) => c.time > 0 && c.score >= threshold)
    .sort((a, b) => a.time - b.time)
    .map((c) => ({ time: round3(c.time), score: round3(c.score) }));
  const bounds = [0, ...cuts.map((c) => c.time), round3(duration)];
  const shots = bounds.slice(1).map((end, i) => [bounds[i], end] as [number, number]).filter(([s, e]) => e > s);
  return { threshold, cuts, shots };
}
