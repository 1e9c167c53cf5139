import type * as tf from '@tensorflow/tfjs-core';
import { ConfusionMatrix } from './confusion-matrix';
import type { Metric } from './metric';

/**
 * Mean intersection over union for segmentation (PaddleSeg's `mean_iou`): per class
 * `IoU = TP / (TP + FP + FN)` from a pixel confusion matrix, averaged over classes that
 * occur in targets or predictions. Predictions `[N, H, W, C]`; targets `[N, H, W]`
 * indices (values outside [0, C) such as 255 are ignored) or one-hot `[N, H, W, C]`.
 * Keys: `miou`, `pixelAcc`, and `iou_<name>` per class when `classNames` are given.
 */
export class MeanIou implements Metric {
  readonly name = 'miou';
  private readonly cm: ConfusionMatrix;

  /** `classNames`: also report each class's IoU as `iou_<name>` (NaN when the class is absent from targets and predictions). */
  constructor(
    numClasses?: number,
    private readonly classNames?: readonly string[],
  ) {
    this.cm = new ConfusionMatrix(numClasses);
  }

  reset(): void {
    this.cm.reset();
  }

  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    this.cm.update(yTrue, yPred);
  }

  /** IoU of each class (NaN for a class absent from both targets and predictions). */
  perClass(): number[] {
    const m = this.cm.matrix();
    return m.map((row, c) => {
      let fp = 0;
      let fn = 0;
      for (let k = 0; k < m.length; k++) {
        if (k === c) continue;
        fp += m[k][c];
        fn += row[k];
      }
      const denom = row[c] + fp + fn;
      return denom === 0 ? Number.NaN : row[c] / denom;
    });
  }

  result(): Record<string, number> {
    const all = this.perClass();
    const ious = all.filter((v) => !Number.isNaN(v));
    const out: Record<string, number> = { miou: ious.length === 0 ? 0 : ious.reduce((s, v) => s + v, 0) / ious.length, pixelAcc: this.cm.result().overallAcc };
    this.classNames?.forEach((name, c) => {
      if (c < all.length) out[`iou_${name}`] = all[c];
    });
    return out;
  }
}
