import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Adam, selectBackend, Trainer } from '../src';
import { atrousConv2d } from '../src/seg/atrous-conv';
import { deeplabV3Plus } from '../src/seg/deeplabv3p';
import { fastSegNet } from '../src/seg/fast-seg-net';
import { SegDataset } from '../src/seg/seg-dataset';
import { segCrossEntropy } from '../src/seg/seg-losses';
import { drawSegShapes } from '../src/seg/synthetic-seg-shapes';
import { unet } from '../src/seg/unet';
import { MeanIou } from '../src/metrics/miou';

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('atrous convolution through SpaceToBatchND', () => {
  it.each([1, 2, 3, 6])('equals a dilated same conv at rate %i, odd and even sides', (rate) => {
    for (const [h, w] of [[9, 9], [8, 11]]) {
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const ours = atrousConv2d(x, k, rate);
      const ref = tf.conv2d(x, k, 1, 'same', 'NHWC', [rate, rate]);
      expect(ours.shape).toEqual(ref.shape);
      const diff = tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0];
      expect(diff).toBeLessThan(1e-4);
      tf.dispose([x, k, ours, ref]);
    }
  });

  it('has gradients on the wasm backend (no dilation refusal)', () => {
    const x = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const k = tf.variable(tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 4)) as tf.Variable<tf.Rank.R4>;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(atrousConv2d(x, k, 2))) as tf.Scalar, [k]);
    const g = grads[k.name]!;
    expect(g.shape).toEqual([3, 3, 2, 2]);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, k, g]);
  });
});

/** Trains `model` for `epochs` on drawn shapes and returns the first and last logged losses. */
async function lossCurve(model: tfl.LayersModel, size: number, epochs: number, lr = 3e-3): Promise<{ first: number; last: number; miou: number }> {
  const samples = drawSegShapes(16, { size, classes: 2, seed: 5 });
  const data = new SegDataset(samples, size, 3);
  const trainer = new Trainer({ model, optimizer: new Adam({ learningRate: lr }), lossFn: segCrossEntropy(), metrics: [new MeanIou(3)], seed: 1 });
  try {
    const fit = await trainer.fit(data, { epochs, batchSize: 8, logInterval: 1, shuffle: true });
    const losses = fit.log.filter((r) => r.type === 'train').map((r) => r.values.loss as number);
    const evalRes = await trainer.evaluate(data, { batchSize: 8 });
    return { first: losses[0]!, last: losses[losses.length - 1]!, miou: evalRes.miou! };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe('segmentation models train on drawn shapes', () => {
  it('U-Net: loss falls', async () => {
    const { first, last } = await lossCurve(unet({ inputSize: 32, numClasses: 3, baseChannels: 8, depth: 3, seed: 1 }), 32, 6);
    expect(last).toBeLessThan(first * 0.7);
  }, 60_000);

  it('DeepLabV3+ (MobileNetV2 alpha 0.35, ASPP 6/12/18): loss falls', async () => {
    const model = await deeplabV3Plus({ inputSize: 64, numClasses: 3, pretrained: false, alpha: 0.35, asppChannels: 32, decoderChannels: 32, seed: 1 });
    expect(model.outputs[0]!.shape).toEqual([null, 64, 64, 3]);
    expect(model.layers.some((l) => l.getClassName() === 'AtrousConv2D')).toBe(true);
    const { first, last } = await lossCurve(model, 64, 6);
    expect(last).toBeLessThan(first * 0.7);
  }, 90_000);

  it('fast two-branch net: loss falls', async () => {
    const model = fastSegNet({ inputSize: 64, numClasses: 3, width: 0.5, seed: 1 });
    expect(model.outputs[0]!.shape).toEqual([null, 64, 64, 3]);
    const { first, last } = await lossCurve(model, 64, 6);
    expect(last).toBeLessThan(first * 0.7);
  }, 60_000);
});
