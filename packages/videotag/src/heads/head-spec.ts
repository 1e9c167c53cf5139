/**
 * What a trained head expects, stored in its model card's `input` by `videotag train`: the
 * sampling its features came from and the feature blocks, so tagging rebuilds exactly the
 * sequences it was trained on.
 */
import { ErrorCodes, ModelError, type ModelCard } from '@modelkit/core';

/** A feature block of the head's input. */
export interface HeadModality {
  /** `rgb`: MobileNetV2 embeddings; `objects`: the detector's per-class scores. */
  name: 'rgb' | 'objects';
  dim: number;
}

/** The `input` of a trained head's card. */
export interface HeadInputSpec {
  kind: 'videotag-head';
  /** TSN segments (sequence length). */
  segments: number;
  modalities: HeadModality[];
  /** Short side frames were decoded at. */
  frameSize: number;
  keyframesOnly: boolean;
  /** `id@version` of the frame model the features came from. */
  embedder: string;
  /** The detector's labels (order of the objects block), when objects are used. */
  objectLabels?: string[];
}

/**
 * The head spec of a card.
 * @throws ModelError `E_MODEL_FORMAT` when the card is not a videotag head's.
 */
export function headSpecOf(card: ModelCard, what = 'model'): HeadInputSpec {
  const s = card.input as Partial<HeadInputSpec> | undefined;
  const fail = (why: string): never => {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `${what}: ${card.id} is not a head trained by \`modelkit videotag train\` (${why}); give the folder that command wrote`, {
      details: { model: card.id },
    });
  };
  if (!s || s.kind !== 'videotag-head') return fail('its card has no videotag-head input spec');
  if (!(Number.isInteger(s.segments) && (s.segments ?? 0) > 0)) return fail('bad segments');
  if (!Array.isArray(s.modalities) || s.modalities.length === 0 || s.modalities.some((m) => (m.name !== 'rgb' && m.name !== 'objects') || !(m.dim > 0))) return fail('bad modalities');
  if (!card.labels?.length) return fail('its card lists no labels');
  if (s.modalities.some((m) => m.name === 'objects') && !s.objectLabels?.length) return fail('objects features without their labels');
  return {
    kind: 'videotag-head',
    segments: s.segments!,
    modalities: s.modalities,
    frameSize: s.frameSize ?? 256,
    keyframesOnly: s.keyframesOnly === true,
    embedder: s.embedder ?? '',
    objectLabels: s.objectLabels,
  };
}
