import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { ModelCard } from '@modelkit/core';
import { MODEL_SLOTS, optionLabel } from './model-slots';
import type { ModelOption } from './model-slots';

type Triple = [number, number, number];

/** How pixels become a model's input: `(x / 255 - mean[c]) / std[c]` per output channel. */
export interface PixelNormalization {
  /** Order of the tensor's channel planes; PaddleOCR feeds cv2's BGR pixels. */
  channelOrder: 'rgb' | 'bgr';
  /** Indexed by tensor channel (so with `bgr`, `mean[0]` applies to blue, as PaddleOCR). */
  mean: Triple;
  std: Triple;
}

/** The detector's preprocessing, from its card's `input`. */
export interface DetInputSpec extends PixelNormalization {
  layout: 'nchw';
  /** Both input sides are rounded to a multiple of this. */
  multipleOf: number;
  /** Default side limit (the `limitSideLen` option overrides it). */
  limitSideLen: number;
}

/** A text-line model's preprocessing (recognizer and classifier), from its card's `input`. */
export interface LineInputSpec extends PixelNormalization {
  layout: 'nchw';
  /** Lines are resized to this height. */
  height: number;
}

/** The classifier's preprocessing: lines padded to a fixed width. */
export interface ClsInputSpec extends LineInputSpec {
  width: number;
}

/** The detector's preprocessing; a model given by bare path gets the PP-OCRv4 detector's. */
export function detInputSpec(card: ModelCard | undefined): DetInputSpec {
  const r = new SpecReader('detModel', card);
  return { ...r.normalization(), layout: r.layout(), multipleOf: r.positiveInt('multipleOf'), limitSideLen: r.positiveInt('limitSideLen') };
}

/** The recognizer's preprocessing; a model given by bare path gets PP-OCRv4 rec's. */
export function recInputSpec(card: ModelCard | undefined): LineInputSpec {
  const r = new SpecReader('recModel', card);
  return { ...r.normalization(), layout: r.layout(), height: r.positiveInt('height') };
}

/** The classifier's preprocessing; a model given by bare path gets PP-OCR mobile v2 cls's. */
export function clsInputSpec(card: ModelCard | undefined): ClsInputSpec {
  const r = new SpecReader('clsModel', card);
  return { ...r.normalization(), layout: r.layout(), height: r.positiveInt('height'), width: r.positiveInt('width') };
}

/**
 * Reads fields of a card's `input`, each falling back to the option's default card (a
 * card that leaves a field out means PaddleOCR's value), with typed errors for bad values.
 */
class SpecReader {
  private readonly input: Record<string, unknown>;
  private readonly source: string;

  constructor(
    private readonly option: ModelOption,
    card: ModelCard | undefined,
  ) {
    const fallback = MODEL_SLOTS[option].defaultCard;
    this.input = { ...fallback.input, ...card?.input };
    this.source = card?.id ?? fallback.id;
  }

  normalization(): PixelNormalization {
    const channelOrder = this.input.channelOrder;
    if (channelOrder !== 'rgb' && channelOrder !== 'bgr') this.fail('channelOrder', "must be 'rgb' or 'bgr'");
    const std = this.triple('std');
    if (std.includes(0)) this.fail('std', 'must not contain 0');
    return { channelOrder, mean: this.triple('mean'), std };
  }

  layout(): 'nchw' {
    // The kit writes NCHW tensors only; every PP-OCR export takes them.
    if (this.input.layout !== 'nchw') this.fail('layout', "must be 'nchw'");
    return 'nchw';
  }

  positiveInt(key: string): number {
    const v = this.input[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(key, 'must be a positive integer');
    return v;
  }

  private triple(key: string): Triple {
    const v = this.input[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) this.fail(key, 'must be 3 finite numbers');
    return [v[0], v[1], v[2]];
  }

  private fail(key: string, problem: string): never {
    throw new ModelkitError(
      ErrorCodes.BAD_JSON,
      `${optionLabel(this.option)}: model card ${this.source}: input.${key} ${problem}, got ${JSON.stringify(this.input[key])}`,
      { details: { option: this.option, model: this.source, field: `input.${key}` } },
    );
  }
}
