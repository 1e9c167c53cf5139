/** The times TSN segment sampling aims at, and which decoded frame serves each. */
import type { SegmentSampling } from './sampling';
import { seededRandom } from './seeded-random';

/**
 * Target times (seconds from the video's start) of `segments × perSegment` slots: the video
 * is cut into equal slots and each slot's centre (or a seeded random time in it) is taken.
 * Slot `i * perSegment + j` is frame j of segment i.
 */
export function slotTimes(s: Required<SegmentSampling>, duration: number): number[] {
  const count = s.segments * s.perSegment;
  const width = duration / count;
  const rand = seededRandom(s.seed);
  return Array.from({ length: count }, (_, j) => (j + (s.pick === 'center' ? 0.5 : rand())) * width);
}

/**
 * For each slot, the index of the decoded frame nearest its time. A clip with fewer frames
 * than slots repeats frames (as TSN does for short videos); frames are never reordered.
 * `frameTimes` must be ascending.
 */
export function assignSlots(slots: readonly number[], frameTimes: readonly number[]): number[] {
  if (frameTimes.length === 0) return [];
  const out: number[] = [];
  let f = 0;
  for (const t of slots) {
    while (f + 1 < frameTimes.length && Math.abs(frameTimes[f + 1] - t) <= Math.abs(frameTimes[f] - t)) f++;
    out.push(f);
  }
  return out;
}
