/**
 * Unthresholded scores of a video for any label name: the trained head's probability for
 * its labels, else the best per-frame detection score for detector classes, else the mean
 * probability for nsfwjs' content classes. Evaluation ranks these.
 */
import type { VideoFeatures } from '../features/video-features';
import { SAFETY_LABELS } from '../model-cards';
import type { HeadOutput } from '../tagger/tag-video';

/** Score of every label the tagger can score (head, detector classes, safety classes). */
export function labelScores(f: VideoFeatures, head?: HeadOutput): Map<string, number> {
  const scores = new Map<string, number>();
  const n = f.times.length;
  SAFETY_LABELS.forEach((label, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += f.safety[i * SAFETY_LABELS.length + c];
    scores.set(label, n ? s / n : 0);
  });
  if (f.objectLabels && f.objectScores) {
    const k = f.objectLabels.length;
    f.objectLabels.forEach((label, c) => {
      let best = 0;
      for (let i = 0; i < n; i++) best = Math.max(best, f.objectScores![i * k + c]);
      scores.set(label, best);
    });
  }
  head?.labels.forEach((label, c) => scores.set(label, head.probs[c]));
  return scores;
}
