/**
 * The YouTube-8M evaluation metrics (google/youtube-8m `eval_util.py`, `average_precision_calculator.py`)
 * that PaddleVideo reports for its sequence heads: Hit@1, PERR, GAP over each video's top
 * 20 predictions, and per-class mean AP. `predictions[v][c]` is video v's score for label
 * c; `labels[v][c]` is 1 for a true label, else 0. Ties are broken by position (the
 * reference shuffles them with a fixed seed instead).
 */

/** A row-per-video score or label matrix. */
export type Matrix = readonly ArrayLike<number>[];

/**
 * Average precision of one ranked list: Σ over positives at rank i of (positives so far / i),
 * divided by `totalPositives` (default: the positives in `labels`), as `ap_at_n` with n = None.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>, totalPositives?: number): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let positives = totalPositives;
  if (positives === undefined) {
    positives = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] > 0) positives++;
  }
  if (positives === 0) return 0;
  let hits = 0;
  let ap = 0;
  order.forEach((idx, rank) => {
    if (labels[idx] > 0) {
      hits++;
      ap += hits / (rank + 1);
    }
  });
  return ap / positives;
}

/** Share of videos whose best-scored label is a true one. */
export function hitAtOne(predictions: Matrix, labels: Matrix): number {
  if (predictions.length === 0) return 0;
  let hits = 0;
  predictions.forEach((p, v) => {
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    hits += labels[v][best] > 0 ? 1 : 0;
  });
  return hits / predictions.length;
}

/**
 * Precision at equal recall rate: for a video with k true labels, the share of true labels
 * among its k best-scored ones (only scores > 0 count); averaged over all videos, those
 * with no label counting 0, as in the reference.
 */
export function precisionAtEqualRecall(predictions: Matrix, labels: Matrix): number {
  if (predictions.length === 0) return 0;
  let sum = 0;
  predictions.forEach((p, v) => {
    const k = Array.from(labels[v]).filter((x) => x > 0).length;
    if (k === 0) return;
    const top = Array.from({ length: p.length }, (_, c) => c).sort((a, b) => p[b] - p[a] || a - b).slice(0, k);
    sum += top.filter((c) => p[c] > 0 && labels[v][c] > 0).length / k;
  });
  return sum / predictions.length;
}

/**
 * Global average precision: each video's `topK` best (score, label) pairs pooled and ranked
 * together, AP divided by the total number of true labels (so true labels outside a
 * video's top k count as misses).
 */
export function globalAveragePrecision(predictions: Matrix, labels: Matrix, topK = 20): number {
  const scores: number[] = [];
  const truth: number[] = [];
  let positives = 0;
  predictions.forEach((p, v) => {
    for (let c = 0; c < p.length; c++) if (labels[v][c] > 0) positives++;
    const top = Array.from({ length: p.length }, (_, c) => c).sort((a, b) => p[b] - p[a] || a - b).slice(0, Math.min(topK, p.length));
    for (const c of top) {
      scores.push(p[c]);
      truth.push(labels[v][c] > 0 ? 1 : 0);
    }
  });
  return averagePrecision(scores, truth, positives);
}

/** Mean over all labels (those without a positive count 0, as in the reference) of each label's AP over the videos. */
export function meanAveragePrecision(predictions: Matrix, labels: Matrix): number {
  const classes = predictions[0]?.length ?? 0;
  if (classes === 0) return 0;
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += averagePrecision(predictions.map((p) => p[c]), labels.map((l) => l[c]));
  return sum / classes;
}

/** All four metrics. */
export interface Yt8mReport {
  /** GAP over each video's top `topK` (20). */
  gap: number;
  hit1: number;
  perr: number;
  map: number;
  videos: number;
}

/** Computes {@link Yt8mReport}. */
export function yt8mMetrics(predictions: Matrix, labels: Matrix, topK = 20): Yt8mReport {
  return {
    gap: globalAveragePrecision(predictions, labels, topK),
    hit1: hitAtOne(predictions, labels),
    perr: precisionAtEqualRecall(predictions, labels),
    map: meanAveragePrecision(predictions, labels),
    videos: predictions.length,
  };
}
