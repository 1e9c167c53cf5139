/**
 * COCO-style box AP as a streaming train-core Metric over the training view's logits and
 * {@link detTarget} rows, so the Trainer reports `ap` / `ap50` at each evaluation: GFL
 * decode (sigmoid scores, integral distances), per-class NMS, then pycocotools' matching
 * and 101-point interpolation. It decodes exactly as the det kit does, but in input pixels
 * of the letterboxed image (AP is unchanged by the letterbox's scale).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { boxIou, nms, type Box } from '@modelkit/core';
import { DET_TARGET_ROW, type PointGrid } from './atss-assigner';
import type { Metric } from '../metrics/metric';

interface Det {
  image: number;
  cls: number;
  score: number;
  box: [number, number, number, number];
}

/** Options of {@link DetApMetric}. */
export interface DetApMetricOptions {
  grid: PointGrid;
  numClasses: number;
  regMax: number;
  /** Detections score above this (COCO evaluation: 0.05). */
  scoreThreshold?: number;
  /** NMS IoU (NanoDet: 0.6). */
  iouThreshold?: number;
  /** Detections kept per image. Default 100. */
  maxDetections?: number;
}

/** Streaming COCO AP@[.5:.95] (`ap`) and AP@.5 (`ap50`) of a GFL detector. */
export class DetApMetric implements Metric {
  readonly name = 'ap';
  private dets: Det[] = [];
  private gts: { image: number; cls: number; box: Box }[] = [];
  private images = 0;

  constructor(private readonly o: DetApMetricOptions) {}

  reset(): void {
    this.dets = [];
    this.gts = [];
    this.images = 0;
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const { grid, numClasses: C, regMax } = this.o;
    const bins = regMax + 1;
    const P = grid.count;
    const N = yPred.shape[0];
    const D = C + 4 * bins;
    const pred = yPred.dataSync();
    const truth = yTrue.dataSync();
    const rows = yTrue.shape[1]!;
    const thr = this.o.scoreThreshold ?? 0.05;
    for (let n = 0; n < N; n++) {
      const image = this.images++;
      for (let r = P; r < rows; r++) {
        const o = (n * rows + r) * DET_TARGET_ROW;
        if (truth[o] >= 0) this.gts.push({ image, cls: truth[o], box: [truth[o + 1], truth[o + 2], truth[o + 3], truth[o + 4]] });
      }
      const cands: Det[] = [];
      for (let i = 0; i < P; i++) {
        const base = (n * P + i) * D;
        for (let c = 0; c < C; c++) {
          const score = 1 / (1 + Math.exp(-pred[base + c]));
          if (score <= thr) continue;
          const side = (k: number): number => {
            const off = base + C + k * bins;
            let max = -Infinity;
            for (let b = 0; b < bins; b++) max = Math.max(max, pred[off + b]);
            let sum = 0;
            let wsum = 0;
            for (let b = 0; b < bins; b++) {
              const e = Math.exp(pred[off + b] - max);
              sum += e;
              wsum += e * b;
            }
            return (wsum / sum) * grid.stride[i];
          };
          cands.push({ image, cls: c, score, box: [grid.cx[i] - side(0), grid.cy[i] - side(1), grid.cx[i] + side(2), grid.cy[i] + side(3)] });
        }
      }
      const kept = nms(
        cands.map((d) => d.box),
        cands.map((d) => d.score),
        { iouThreshold: this.o.iouThreshold ?? 0.6, maxDetections: this.o.maxDetections ?? 100, classIds: cands.map((d) => d.cls) },
      );
      this.dets.push(...kept.map((i) => cands[i]!));
    }
  }

  result(): Record<string, number> {
    const thresholds = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);
    const perThreshold = thresholds.map((t) => this.meanAp(t));
    const valid = perThreshold.filter((v) => v >= 0);
    return { ap: valid.length ? valid.reduce((a, b) => a + b, 0) / valid.length : 0, ap50: Math.max(0, perThreshold[0]) };
  }

  /** Mean over classes with ground truth of the 101-point interpolated AP at one IoU threshold; −1 without ground truth. */
  private meanAp(t: number): number {
    const aps: number[] = [];
    for (let c = 0; c < this.o.numClasses; c++) {
      const gts = this.gts.filter((g) => g.cls === c);
      if (gts.length === 0) continue;
      const dets = this.dets.filter((d) => d.cls === c).sort((a, b) => b.score - a.score);
      const used = new Set<number>();
      const tp: number[] = [];
      for (const d of dets) {
        let best = -1;
        let bestIou = t;
        gts.forEach((g, j) => {
          if (g.image !== d.image || used.has(j)) return;
          const v = boxIou(d.box, g.box);
          if (v >= bestIou) {
            bestIou = v;
            best = j;
          }
        });
        if (best >= 0) used.add(best);
        tp.push(best >= 0 ? 1 : 0);
      }
      const precision: number[] = [];
      const recall: number[] = [];
      let cum = 0;
      tp.forEach((v, i) => {
        cum += v;
        precision.push(cum / (i + 1));
        recall.push(cum / gts.length);
      });
      for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
      let sum = 0;
      let k = 0;
      for (let r = 0; r <= 100; r++) {
        const level = r / 100;
        while (k < recall.length && recall[k] < level) k++;
        sum += k < precision.length ? precision[k] : 0;
      }
      aps.push(sum / 101);
    }
    return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : -1;
  }
}
