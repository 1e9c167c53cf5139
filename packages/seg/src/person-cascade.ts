/**
 * Person cascade: MediaPipe's segmenters are portrait models — on photos with small or
 * many people the whole-image mask misses most of them. Detect people first (the det
 * kit, used through its generic runner so seg does not depend on it), segment each person
 * on a padded square crop at the model's own scale, and paste the crop masks back (max over
 * overlaps). With nobody found, the whole-image mask is the answer.
 */
import { performance } from 'node:perf_hooks';
import { cropImage, toRgbImage } from '@modelkit/core';
import type { KitRunner, RgbImage } from '@modelkit/core';
import type { HumanSeg, SegInput, SegResult, SegRunOptions, SegTimings } from './human-seg';
import { toByteMask } from './mask';
import type { ByteMask, FloatMask } from './mask';

/** Options of {@link PersonCascade}. */
export interface PersonCascadeOptions {
  /** Detections of `person` scoring at least this are segmented (default 0.35, the det kit's `visual` threshold). */
  minScore?: number;
  /** Context added around a person box, as a share of its longer side, on each side (default 0.1). */
  margin?: number;
  /** At most this many people are segmented, the best-scored first (default 20). */
  maxPeople?: number;
  /** Also keep the whole-image mask (max with the crops' masks), for people the detector missed (default false). */
  withWhole?: boolean;
}

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The square crop around a box with `margin`, clipped to the image (so it may be a rectangle at the edges). */
export function squareCrop(box: Box, margin: number, width: number, height: number): { x: number; y: number; width: number; height: number } {
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const side = Math.max(box.x2 - box.x1, box.y2 - box.y1) * (1 + 2 * margin);
  const x = Math.max(0, Math.floor(cx - side / 2));
  const y = Math.max(0, Math.floor(cy - side / 2));
  const x2 = Math.min(width, Math.ceil(cx + side / 2));
  const y2 = Math.min(height, Math.ceil(cy + side / 2));
  return { x, y, width: Math.max(1, x2 - x), height: Math.max(1, y2 - y) };
}

/** A segmenter that segments each detected person on its own crop. */
export class PersonCascade {
  private readonly minScore: number;
  private readonly margin: number;
  private readonly maxPeople: number;
  private readonly withWhole: boolean;

  /**
   * @param seg - The person segmenter.
   * @param detector - A det kit runner (JSON results `{ detections: [{ label, score, box }] }`).
   */
  constructor(
    readonly seg: HumanSeg,
    private readonly detector: KitRunner,
    options: PersonCascadeOptions = {},
  ) {
    this.minScore = options.minScore ?? 0.35;
    this.margin = options.margin ?? 0.1;
    this.maxPeople = options.maxPeople ?? 20;
    this.withWhole = options.withWhole ?? false;
  }

  /** Segments the people of one image; the result has the image's size, like {@link HumanSeg.run}, with `people` found. */
  async run(input: SegInput, options: SegRunOptions = {}): Promise<SegResult<FloatMask | ByteMask> & { people: number }> {
    const t0 = performance.now();
    const image: RgbImage = await toRgbImage(input);
    const decode = performance.now() - t0;
    const det = (await this.detector.run(image, { scoreThreshold: this.minScore })) as { detections: { label: string; score: number; box: number[] }[]; timings: SegTimings };
    const people = det.detections.filter((d) => d.label === 'person' && d.score >= this.minScore).slice(0, this.maxPeople);
    if (people.length === 0) {
      const whole = await this.seg.run(image, options);
      return { ...whole, timings: addTimings({ ...whole.timings, decode }, det.timings, performance.now() - t0), people: 0 };
    }
    let stages: SegTimings = { decode, preprocess: 0, inference: 0, postprocess: 0, total: 0 };
    let prob: Float32Array = new Float32Array(image.width * image.height);
    if (this.withWhole) {
      const whole = await this.seg.run(image, { refine: options.refine, format: 'float' });
      prob = whole.mask.data;
      stages = addTimings(stages, whole.timings, 0);
    }
    for (const person of people) {
      const [x1, y1, x2, y2] = person.box;
      const rect = squareCrop({ x1, y1, x2, y2 }, this.margin, image.width, image.height);
      const crop = cropImage(image, rect);
      const r = await this.seg.run(crop, { refine: options.refine, format: 'float' });
      stages = addTimings(stages, r.timings, 0);
      const p0 = performance.now();
      for (let y = 0; y < rect.height; y++) {
        const row = (rect.y + y) * image.width + rect.x;
        for (let x = 0; x < rect.width; x++) {
          const v = r.mask.data[y * rect.width + x];
          if (v > prob[row + x]) prob[row + x] = v;
        }
      }
      stages.postprocess += performance.now() - p0;
    }
    const floatMask: FloatMask = { data: prob, width: image.width, height: image.height };
    const mask = options.format === 'uint8' ? toByteMask(floatMask) : floatMask;
    return { mask, width: image.width, height: image.height, timings: addTimings(stages, det.timings, performance.now() - t0), people: people.length };
  }

  /** Releases both models. */
  async dispose(): Promise<void> {
    await Promise.all([this.seg.dispose(), this.detector.dispose()]);
  }
}

/** Stage times of two models added, with `total` the wall time of the whole run. */
function addTimings(a: SegTimings, b: SegTimings, total: number): SegTimings {
  return {
    decode: a.decode,
    preprocess: a.preprocess + b.preprocess,
    inference: a.inference + b.inference,
    postprocess: a.postprocess + b.postprocess,
    total: total > 0 ? total : a.total + b.total,
  };
}
