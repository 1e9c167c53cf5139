/** Tags from a trained head's multi-label probabilities (PaddleHub's `classify(threshold, top_k)`). */
import { round3 } from './frame-spans';
import type { VideoTag } from './types';

/** The `topK` most probable labels whose probability is at least `threshold`, best first. */
export function headTags(probs: ArrayLike<number>, labels: readonly string[], duration: number, threshold: number, topK: number): VideoTag[] {
  return Array.from(probs, (score, i) => ({ label: labels[i] ?? String(i), score }))
    .filter((t) => t.score >= threshold)
    .sort((a, b) => b.score - a.score)
    .slice(0, topK)
    .map((t) => ({ label: t.label, score: round3(t.score), source: 'head' as const, segments: [[0, round3(duration)]] }));
}
