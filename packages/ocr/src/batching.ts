/**
 * Splits crops into inference batches the way PaddleOCR's recognizer and classifier do:
 * sort by width/height ratio (so a batch pads little), then take runs of `batchSize`.
 * Returns lists of original indices.
 */
export function planBatches(ratios: readonly number[], batchSize: number): number[][] {
  const order = ratios.map((_, i) => i).sort((a, b) => ratios[a] - ratios[b] || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/**
 * Input width of a recognition batch (PaddleOCR `predict_rec`): the height times the
 * largest width/height ratio in the batch, never less than `minWidth`, truncated to an
 * integer as PaddleOCR's `int(imgH * max_wh_ratio)`.
 */
export function recBatchWidth(ratios: readonly number[], height: number, minWidth: number): number {
  let maxRatio = minWidth / height;
  for (const r of ratios) if (r > maxRatio) maxRatio = r;
  // A hair of tolerance so 320/48*48 stays 320 despite floating point.
  return Math.trunc(height * maxRatio + 1e-6);
}

/** Width over height of a crop: what {@link planBatches} sorts by. */
export function aspectRatio(img: { width: number; height: number }): number {
  return img.width / img.height;
}
