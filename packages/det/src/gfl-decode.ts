import { ErrorCodes, ModelError } from '@modelkit/core';
import type { Box } from '@modelkit/core';

/** One feature level of a GFL head: per cell, class scores and side distributions. */
export interface GflLevel {
  stride: number;
  /** Feature map size in cells. */
  width: number;
  height: number;
  /** [cells, numClasses], row-major cells (y * width + x), scores already in 0..1. */
  scores: Float32Array;
  /** [cells, 4, regMax + 1]: logits of the left, top, right, bottom distance bins. */
  distances: Float32Array;
}

/** Options of {@link decodeGfl}. */
export interface GflDecodeOptions {
  numClasses: number;
  /** Bins run 0..regMax (NanoDet-g: 10). */
  regMax: number;
  /** Candidates (cell, class) must score strictly above this. */
  scoreThreshold: number;
  /** Keep the best `nmsPre` cells of each level, ranked by their best class score (NanoDet: 1000). */
  nmsPre: number;
  /** Cell centre = (index + centerOffset) * stride. */
  centerOffset: number;
  /** Model input size: boxes are clamped to it, as NanoDet's distance2bbox does. */
  inputWidth: number;
  inputHeight: number;
}

/** Decoded candidates, parallel arrays, in model-input pixels. */
export interface GflCandidates {
  boxes: Box[];
  scores: number[];
  classIds: number[];
}

/** Output names of one level, found by shape. */
export interface GflOutputNames {
  stride: number;
  width: number;
  height: number;
  scores: string;
  distances: string;
}

/**
 * Finds each stride's score and distance outputs by their shapes, [1, cells, numClasses]
 * and [1, cells, 4 * (regMax + 1)], because converted models name outputs arbitrarily
 * (`Identity_3`). Throws ModelError E_MODEL_FORMAT when one is missing.
 */
export function matchGflOutputs(
  outputs: readonly { name: string; dims: readonly (number | string | null)[] | null }[],
  o: { strides: readonly number[]; inputWidth: number; inputHeight: number; numClasses: number; regMax: number },
): GflOutputNames[] {
  const bins = 4 * (o.regMax + 1);
  const find = (cells: number, channels: number): string | undefined =>
    outputs.find((t) => t.dims !== null && t.dims.length === 3 && t.dims[1] === cells && t.dims[2] === channels)?.name;
  return o.strides.map((stride) => {
    const width = Math.ceil(o.inputWidth / stride);
    const height = Math.ceil(o.inputHeight / stride);
    const cells = width * height;
    const scores = find(cells, o.numClasses);
    const distances = find(cells, bins);
    if (!scores || !distances) {
      const have = outputs.map((t) => `${t.name} ${JSON.stringify(t.dims)}`).join(', ');
      throw new ModelError(
        ErrorCodes.MODEL_FORMAT,
        `Not a NanoDet/GFL model: stride ${stride} needs outputs [1,${cells},${o.numClasses}] and [1,${cells},${bins}]; the model has ${have}`,
        { details: { stride, cells, numClasses: o.numClasses, bins } },
      );
    }
    return { stride, width, height, scores, distances };
  });
}

/**
 * Expected distance of one side: softmax over the bins, then Σ p_k · k (GFL's `Integral`
 * layer). Human's decode takes the argmax bin instead, which quantises every side to whole
 * strides; the expectation is what the model was trained to predict.
 */
export function integral(logits: Float32Array, offset: number, bins: number): number {
  let max = -Infinity;
  for (let k = 0; k < bins; k++) if (logits[offset + k] > max) max = logits[offset + k];
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp(logits[offset + k] - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}

/**
 * NanoDet's GFL head decode (`get_bboxes_single`): per level, the `nmsPre` best cells;
 * each side's distance = integral(bins) · stride from the cell centre; boxes clamped to the
 * input; then one candidate per (cell, class) whose score is above the threshold, like
 * mmdetection's `multiclass_nms` before suppression.
 */
export function decodeGfl(levels: readonly GflLevel[], o: GflDecodeOptions): GflCandidates {
  const C = o.numClasses;
  const bins = o.regMax + 1;
  const out: GflCandidates = { boxes: [], scores: [], classIds: [] };
  for (const level of levels) {
    const cells = level.width * level.height;
    if (level.scores.length !== cells * C || level.distances.length !== cells * 4 * bins) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `GFL level stride ${level.stride}: output sizes do not match ${level.width}x${level.height} cells`);
    }
    // Best class score per cell; cells that cannot produce a candidate are skipped early.
    const picked: number[] = [];
    const best = new Float32Array(cells);
    for (let i = 0; i < cells; i++) {
      let m = -Infinity;
      const base = i * C;
      for (let c = 0; c < C; c++) if (level.scores[base + c] > m) m = level.scores[base + c];
      best[i] = m;
      if (m > o.scoreThreshold) picked.push(i);
    }
    if (picked.length > o.nmsPre) {
      picked.sort((a, b) => best[b] - best[a] || a - b);
      picked.length = o.nmsPre;
      picked.sort((a, b) => a - b);
    }
    const s = level.stride;
    for (const i of picked) {
      const cx = ((i % level.width) + o.centerOffset) * s;
      const cy = (Math.floor(i / level.width) + o.centerOffset) * s;
      const d = i * 4 * bins;
      const box: Box = [
        clamp(cx - integral(level.distances, d, bins) * s, o.inputWidth),
        clamp(cy - integral(level.distances, d + bins, bins) * s, o.inputHeight),
        clamp(cx + integral(level.distances, d + 2 * bins, bins) * s, o.inputWidth),
        clamp(cy + integral(level.distances, d + 3 * bins, bins) * s, o.inputHeight),
      ];
      const base = i * C;
      for (let c = 0; c < C; c++) {
        const score = level.scores[base + c];
        if (score > o.scoreThreshold) {
          out.boxes.push(box);
          out.scores.push(score);
          out.classIds.push(c);
        }
      }
    }
  }
  return out;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
