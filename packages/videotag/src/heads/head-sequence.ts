/** Per-frame features → the `[segments, features]` sequence a head reads. */
import { InvalidArgumentError } from '@modelkit/core';
import { row, type VideoFeatures } from '../features/video-features';
import type { HeadModality } from './head-spec';

/**
 * The sequence of one video: for segment i, frame `pick(i)` among the segment's
 * `perSegment` sampled frames (slots `i·perSegment … i·perSegment + perSegment − 1`), its
 * modality blocks side by side.
 * @throws InvalidArgumentError when the features lack a block or have fewer slots than asked.
 */
export function headSequence(
  f: VideoFeatures,
  o: { segments: number; perSegment: number; modalities: readonly HeadModality[]; pick: (segment: number) => number },
): Float32Array {
  if (f.slots.length < o.segments * o.perSegment) {
    throw new InvalidArgumentError(`features have ${f.slots.length} slots, the head needs ${o.segments} segments × ${o.perSegment}`);
  }
  const dim = o.modalities.reduce((s, m) => s + m.dim, 0);
  const out = new Float32Array(o.segments * dim);
  for (let i = 0; i < o.segments; i++) {
    const frame = f.slots[i * o.perSegment + o.pick(i)];
    let at = i * dim;
    for (const m of o.modalities) {
      if (m.name === 'rgb') {
        if (m.dim !== f.embedDim) throw new InvalidArgumentError(`rgb features are ${f.embedDim}-d, the head expects ${m.dim}`);
        out.set(row(f.embeddings, f.embedDim, frame), at);
      } else {
        if (!f.objectScores || !f.objectLabels) throw new InvalidArgumentError('the head reads object features but no detector ran');
        if (m.dim !== f.objectLabels.length) throw new InvalidArgumentError(`object features have ${f.objectLabels.length} classes, the head expects ${m.dim}`);
        out.set(row(f.objectScores, f.objectLabels.length, frame), at);
      }
      at += m.dim;
    }
  }
  return out;
}
