/**
 * The Human library's NanoDet post-processing (`src/object/nanodet.ts` of
 * @vladmandic/human 3.3.6, MIT), re-typed here so the benchmark measures the same decode
 * without installing Human (~287 dependencies through its models package). Reproduced as
 * is, including what makes it weaker than NanoDet's own decode:
 * - each side's distance is the ARGMAX bin (no softmax expectation), scaled by a fixed
 *   `scaleBox = 2.5 / strideSize` fudge factor;
 * - cell centres are `(i + 0.5) / baseSize` with baseSize 13·strideSize (strides 32,16,8);
 * - scores are rounded to 2 decimals, boxes truncated to whole pixels;
 * - class 61 (`toilet`) is always dropped;
 * - NMS is class-agnostic (`tf.image.nonMaxSuppressionAsync`) over every candidate.
 * Human's defaults: minConfidence 0.2, iouThreshold 0.4, maxDetected 10.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One result as Human returns it: box = [x, y, width, height] in input pixels. */
export interface HumanObject {
  score: number;
  classId: number;
  box: [number, number, number, number];
}

/** Human's `config.object` knobs that the decode reads. */
export interface HumanObjectConfig {
  minConfidence: number;
  iouThreshold: number;
  maxDetected: number;
}

export const HUMAN_DEFAULTS: HumanObjectConfig = { minConfidence: 0.2, iouThreshold: 0.4, maxDetected: 10 };

const SCALE_BOX = 2.5;

/** Human's `process(res, outputShape, config)`; outputShape = [width, height] of the input image. */
export async function humanProcess(res: tf.Tensor[], outputShape: [number, number], config: HumanObjectConfig, inputSize = 416, numLabels = 80): Promise<HumanObject[]> {
  const results: (HumanObject & { boxRaw: number[] })[] = [];
  for (const strideSize of [1, 2, 4]) {
    const baseSize = strideSize * 13;
    const scoresT = tf.squeeze(res.find((a) => a.shape[1] === baseSize ** 2 && (a.shape[2] || 0) === numLabels) as tf.Tensor);
    const scores = (await scoresT.array()) as number[][];
    const featuresT = tf.squeeze(res.find((a) => a.shape[1] === baseSize ** 2 && (a.shape[2] || 0) < numLabels) as tf.Tensor);
    const boxesMaxT = tf.reshape(featuresT, [-1, 4, (featuresT.shape[1] || 0) / 4]);
    const boxIdxT = tf.argMax(boxesMaxT, 2);
    const boxIdx = (await boxIdxT.array()) as number[][];
    for (let i = 0; i < scoresT.shape[0]; i++) {
      for (let j = 0; j < (scoresT.shape[1] || 0); j++) {
        const score = scores[i][j];
        if (score > (config.minConfidence || 0) && j !== 61) {
          const cx = (0.5 + Math.trunc(i % baseSize)) / baseSize;
          const cy = (0.5 + Math.trunc(i / baseSize)) / baseSize;
          const boxOffset = boxIdx[i].map((a) => a * (baseSize / strideSize / inputSize));
          const [x, y] = [cx - (SCALE_BOX / strideSize) * boxOffset[0], cy - (SCALE_BOX / strideSize) * boxOffset[1]];
          const [w, h] = [cx + (SCALE_BOX / strideSize) * boxOffset[2] - x, cy + (SCALE_BOX / strideSize) * boxOffset[3] - y];
          const boxRaw = [x, y, w, h].map((a) => Math.max(0, Math.min(a, 1)));
          const box = [boxRaw[0] * outputShape[0], boxRaw[1] * outputShape[1], boxRaw[2] * outputShape[0], boxRaw[3] * outputShape[1]];
          results.push({ score: Math.round(100 * score) / 100, classId: j, box: box.map((a) => Math.trunc(a)) as [number, number, number, number], boxRaw });
        }
      }
    }
    tf.dispose([scoresT, featuresT, boxesMaxT, boxIdxT]);
  }
  // Human passes [y, x, h, w]-style rows (it swaps x/y but keeps width/height as the
  // "second corner"); reproduced exactly, since that is what its NMS sees.
  const nmsBoxes = results.map((a) => [a.boxRaw[1], a.boxRaw[0], a.boxRaw[3], a.boxRaw[2]]);
  const nmsScores = results.map((a) => a.score);
  let nmsIdx: number[] = [];
  if (nmsBoxes.length > 0) {
    const nms = await tf.image.nonMaxSuppressionAsync(nmsBoxes, nmsScores, config.maxDetected || 0, config.iouThreshold, config.minConfidence);
    nmsIdx = Array.from(await nms.data());
    tf.dispose(nms);
  }
  return results
    .filter((_v, idx) => nmsIdx.includes(idx))
    .sort((a, b) => b.score - a.score)
    .map(({ score, classId, box }) => ({ score, classId, box }));
}
