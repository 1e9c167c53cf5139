import { InvalidArgumentError } from '@modelkit/core';
import type { ModelCard } from '@modelkit/core';
import { NANODET_G_416 } from './model-cards';
import type { NanoDetSpec } from './model-cards';

const DEFAULT_SPEC = NANODET_G_416.input as unknown as NanoDetSpec;

function triple(v: unknown, field: string, card: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidArgumentError(`Model card ${card}: input.${field} must be three numbers`);
  }
  return [v[0], v[1], v[2]];
}

function positive(v: unknown, field: string, card: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`Model card ${card}: input.${field} must be a positive integer`);
  return v;
}

/**
 * Reads a card's `input` as a {@link NanoDetSpec}: missing fields take NanoDet-g's values,
 * present ones are checked, so a user's card for another NanoDet size only states what differs.
 */
export function nanoDetSpec(card: ModelCard): NanoDetSpec {
  const input = (card.input ?? {}) as Partial<Record<keyof NanoDetSpec, unknown>>;
  const id = card.id;
  const channelOrder = input.channelOrder ?? DEFAULT_SPEC.channelOrder;
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr') throw new InvalidArgumentError(`Model card ${id}: input.channelOrder must be 'rgb' or 'bgr'`);
  if ((input.layout ?? 'nchw') !== 'nchw') throw new InvalidArgumentError(`Model card ${id}: only NCHW detectors are supported`);
  const resize = input.resize ?? DEFAULT_SPEC.resize;
  if (resize !== 'resize' && resize !== 'letterbox') throw new InvalidArgumentError(`Model card ${id}: input.resize must be 'resize' or 'letterbox'`);
  const scale = input.scale ?? DEFAULT_SPEC.scale;
  if (typeof scale !== 'number' || !(scale > 0)) throw new InvalidArgumentError(`Model card ${id}: input.scale must be a positive number`);
  const strides = input.strides ?? DEFAULT_SPEC.strides;
  if (!Array.isArray(strides) || strides.length === 0) throw new InvalidArgumentError(`Model card ${id}: input.strides must be a non-empty array`);
  const centerOffset = input.centerOffset ?? DEFAULT_SPEC.centerOffset;
  if (typeof centerOffset !== 'number' || !Number.isFinite(centerOffset)) throw new InvalidArgumentError(`Model card ${id}: input.centerOffset must be a number`);
  return {
    layout: 'nchw',
    channelOrder,
    scale,
    mean: triple(input.mean ?? DEFAULT_SPEC.mean, 'mean', id),
    std: triple(input.std ?? DEFAULT_SPEC.std, 'std', id),
    width: positive(input.width ?? DEFAULT_SPEC.width, 'width', id),
    height: positive(input.height ?? DEFAULT_SPEC.height, 'height', id),
    resize,
    strides: strides.map((s, i) => positive(s, `strides[${i}]`, id)),
    regMax: positive(input.regMax ?? DEFAULT_SPEC.regMax, 'regMax', id),
    centerOffset,
  };
}
