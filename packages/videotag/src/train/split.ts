/** A seeded validation holdout of a labelled video list. */
import type { LabelledVideo } from '../data/video-dataset';
import { seededRandom } from '../sampling/seeded-random';

/**
 * Holds out `share` of the videos, stratified by first label (so every label keeps videos
 * on both sides when it has at least two), the same split for the same seed.
 */
export function holdout(items: readonly LabelledVideo[], share: number, seed: number): { train: LabelledVideo[]; val: LabelledVideo[] } {
  if (share <= 0) return { train: items.slice(), val: [] };
  const byLabel = new Map<string, LabelledVideo[]>();
  for (const it of items) byLabel.set(it.labels[0], [...(byLabel.get(it.labels[0]) ?? []), it]);
  const train: LabelledVideo[] = [];
  const val: LabelledVideo[] = [];
  const rand = seededRandom(seed + 17);
  for (const [, group] of [...byLabel].sort(([a], [b]) => a.localeCompare(b))) {
    const shuffled = group.map((g) => ({ g, k: rand() })).sort((a, b) => a.k - b.k).map((x) => x.g);
    const n = group.length >= 2 ? Math.max(1, Math.round(group.length * share)) : 0;
    val.push(...shuffled.slice(0, n));
    train.push(...shuffled.slice(n));
  }
  return { train, val };
}
