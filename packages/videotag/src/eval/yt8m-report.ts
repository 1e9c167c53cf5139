/** The YouTube-8M metrics from train-core, imported only when an evaluation runs (train-core loads tfjs). */

/** GAP, Hit@1, PERR and mAP of score rows against label rows. */
export async function yt8mReport(predictions: Float32Array[], labels: Float32Array[], topK: number): Promise<{ gap: number; hit1: number; perr: number; map: number }> {
  const { yt8mMetrics } = await import('@modelkit/train-core');
  const r = yt8mMetrics(predictions, labels, topK);
  return { gap: r.gap, hit1: r.hit1, perr: r.perr, map: r.map };
}
