/**
 * Export of a trained segmentation model into a model folder the seg kit loads
 * (`modelkit seg IMG --model runs/x`), and the parity check that runs the written ONNX
 * file on the validation images and compares it with the tfjs model — PaddleSeg's most
 * reported export bug is an exported model that silently disagrees with the trained one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InferenceSession, makeDirs } from '@modelkit/core';
import { MeanIou } from '../metrics/miou';
import { saveOnnx } from '../export/export-layers-model';
import { writeModelFolder, type ModelFolder } from '../export/write-model-folder';
import type { SegDataset } from './seg-dataset';
import { SeededRng } from '../data/seeded-rng';

/** Graph input and output names of an exported segmentation model. */
export const SEG_IO = { input: 'image', output: 'logits' } as const;

/**
 * How the seg kit reads the output: `two-logits` (background, foreground) for two classes,
 * `class-logits` (C channels; foreground = not class 0) for more.
 */
export type SegExportOutput = 'two-logits' | 'class-logits';

/** The card's input spec: stretched to `size`², RGB/255, NHWC, and how to read the output. */
export function segInputSpec(size: number, numClasses: number): Record<string, unknown> {
  return {
    name: SEG_IO.input,
    layout: 'nhwc',
    channelOrder: 'rgb',
    scale: 1 / 255,
    height: size,
    width: size,
    resize: 'stretch, bilinear',
    output: (numClasses === 2 ? 'two-logits' : 'class-logits') satisfies SegExportOutput,
  };
}

/**
 * Writes `model.onnx` (input `image` [N,size,size,3] RGB/255, output `logits`
 * [N,size,size,classes]), `labels.json` and `model.card.json` into `outDir`.
 */
export async function exportSegModel(model: tfl.LayersModel, outDir: string, info: { classNames: string[]; size: number; description: string }): Promise<ModelFolder> {
  await makeDirs(outDir);
  return writeModelFolder(outDir, async (path) => {
    await saveOnnx(model, path, { inputName: SEG_IO.input, outputNames: [SEG_IO.output] });
  }, {
    labels: info.classNames,
    task: 'semantic-segmentation',
    description: info.description,
    input: segInputSpec(info.size, info.classNames.length),
    origin: 'modelkit train seg',
    fallbackId: 'segmenter',
  });
}

/** What {@link checkSegParity} measured. */
export interface SegParity {
  images: number;
  /** mIoU of the tfjs model and of the ONNX file on the same images. */
  tfjsMiou: number;
  onnxMiou: number;
  /** max |logit_onnx − logit_tfjs| over every pixel and class. */
  maxAbsDiff: number;
  /** Share of pixels whose argmax class agrees. */
  pixelAgreement: number;
  /** |onnxMiou − tfjsMiou| ≤ tolerance. */
  ok: boolean;
  tolerance: number;
}

/**
 * Runs the tfjs model (inference mode, its current weights) and the ONNX file on every
 * sample of `data` (no augmentation) and compares logits, argmax and mIoU.
 */
export async function checkSegParity(model: tfl.LayersModel, onnxPath: string, data: SegDataset, options: { batchSize?: number; tolerance?: number } = {}): Promise<SegParity> {
  const bs = options.batchSize ?? 4;
  const tolerance = options.tolerance ?? 1e-4;
  const c = data.numClasses;
  const mTf = new MeanIou(c);
  const mOnnx = new MeanIou(c);
  const session = await InferenceSession.create(onnxPath);
  let maxAbsDiff = 0;
  let agree = 0;
  let pixels = 0;
  const rng = new SeededRng(0);
  try {
    for (let start = 0; start < data.length; start += bs) {
      const n = Math.min(bs, data.length - start);
      const size = data.size;
      const x = new Float32Array(n * size * size * 3);
      const y = new Float32Array(n * size * size);
      for (let k = 0; k < n; k++) {
        const ex = await data.get(start + k, rng);
        x.set(ex.input, k * size * size * 3);
        y.set(ex.target as Float32Array, k * size * size);
      }
      const xt = tf.tensor4d(x, [n, size, size, 3]);
      const yt = tf.tensor3d(y, [n, size, size]);
      const tfOut = model.apply(xt, { training: false }) as tf.Tensor;
      const out = await session.run({ [SEG_IO.input]: { data: x, dims: [n, size, size, 3] } }, [SEG_IO.output]);
      const onnxData = out[SEG_IO.output]!.data as Float32Array;
      const onnxT = tf.tensor4d(onnxData, [n, size, size, c]);
      const tfData = tfOut.dataSync();
      for (let i = 0; i < tfData.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(tfData[i] - onnxData[i]));
      for (let p = 0; p < n * size * size; p++) {
        let a = 0;
        let b = 0;
        for (let k = 1; k < c; k++) {
          if (tfData[p * c + k] > tfData[p * c + a]) a = k;
          if (onnxData[p * c + k] > onnxData[p * c + b]) b = k;
        }
        if (a === b) agree++;
        pixels++;
      }
      mTf.update(yt, tfOut);
      mOnnx.update(yt, onnxT);
      tf.dispose([xt, yt, tfOut, onnxT]);
    }
  } finally {
    await session.release();
  }
  const tfjsMiou = mTf.result().miou!;
  const onnxMiou = mOnnx.result().miou!;
  return { images: data.length, tfjsMiou, onnxMiou, maxAbsDiff, pixelAgreement: pixels ? agree / pixels : 1, ok: Math.abs(tfjsMiou - onnxMiou) <= tolerance, tolerance };
}
