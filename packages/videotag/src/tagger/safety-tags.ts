/** Content-safety tags from nsfwjs' five-class head, averaged over the sampled frames. */
import { SAFETY_LABELS } from '../model-cards';
import { flaggedSpans, round3 } from './frame-spans';
import type { TimeSpan, VideoTag } from './types';

/** Mean probability of each content class over the frames. */
export function safetyMeans(probs: Float32Array, frames: number): Record<string, number> {
  const k = SAFETY_LABELS.length;
  const out: Record<string, number> = {};
  SAFETY_LABELS.forEach((label, c) => {
    let s = 0;
    for (let f = 0; f < frames; f++) s += probs[f * k + c];
    out[label] = round3(frames ? s / frames : 0);
  });
  return out;
}

/**
 * A `safety` tag for each class whose mean probability is at least `threshold`; its
 * segments are the frames where that class is the most likely one.
 */
export function safetyTags(probs: Float32Array, frames: number, coverage: readonly TimeSpan[], threshold: number): VideoTag[] {
  const k = SAFETY_LABELS.length;
  const means = safetyMeans(probs, frames);
  const top = Array.from({ length: frames }, (_, f) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[f * k + c] > probs[f * k + best]) best = c;
    return best;
  });
  return SAFETY_LABELS.flatMap((label, c) =>
    means[label] >= threshold
      ? [{ label, score: means[label], source: 'safety' as const, segments: flaggedSpans(top.map((t) => t === c), coverage) }]
      : [],
  ).sort((a, b) => b.score - a.score);
}
