/** COCO object tags with temporal support, and the people count over time. */
import type { FrameDetection } from '../features/object-detector';
import { flaggedSpans, round3 } from './frame-spans';
import type { PeopleCount, TimeSpan, VideoTag } from './types';

/**
 * One tag per detected class: score = its best detection score in any sampled frame;
 * support = share of frames where it scores at least `threshold`; segments, first and last
 * from those frames. Classes never reaching `threshold` are left out. Best score first.
 */
export function objectTags(detections: readonly FrameDetection[][], times: readonly number[], coverage: readonly TimeSpan[], threshold: number): VideoTag[] {
  const best = new Map<string, number>();
  for (const frame of detections) for (const d of frame) if (d.score >= threshold) best.set(d.label, Math.max(best.get(d.label) ?? 0, d.score));
  const tags: VideoTag[] = [];
  for (const [label, score] of best) {
    const flags = detections.map((frame) => frame.some((d) => d.label === label && d.score >= threshold));
    const idx = flags.flatMap((f, i) => (f ? [i] : []));
    tags.push({
      label,
      score: round3(score),
      source: 'objects',
      segments: flaggedSpans(flags, coverage),
      support: round3(idx.length / Math.max(1, detections.length)),
      first: round3(times[idx[0]]),
      last: round3(times[idx[idx.length - 1]]),
    });
  }
  return tags.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}

/** People (detections labelled `person` scoring at least `threshold`) per sampled frame. */
export function peopleCount(detections: readonly FrameDetection[][], times: readonly number[], threshold: number): PeopleCount {
  const timeline = detections.map((frame, i) => ({ time: round3(times[i]), count: frame.filter((d) => d.label === 'person' && d.score >= threshold).length }));
  const counts = timeline.map((t) => t.count);
  return {
    max: counts.length ? Math.max(...counts) : 0,
    mean: counts.length ? round3(counts.reduce((a, b) => a + b, 0) / counts.length) : 0,
    timeline,
  };
}
