/**
 * Issue 5 §5: transfer learning on real pretrained features. NanoDet-g's COCO-trained
 * backbone (its deepest CSP stage, exposed and pruned by createFeatureExtractor) turns
 * rendered shape images into 512-d vectors; a small Dense head trained on 160 of them
 * classifies 160 unseen ones far above the same head on raw pixels.
 */
import { defaultRegistry, resizeImage } from '@modelkit/core';
// Importing the kit registers its model cards (with its package root as baseDir) in core's
// defaultRegistry, so the model is found through det's public API, not det's folder layout.
import { NANODET_G_416 } from '@modelkit/det';
import { createFeatureExtractor, selectBackend } from '../src';
import { trainDenseHead } from './fixtures/dense-head';
import { drawShapes, DRAWN_SHAPES } from './fixtures/draw-shapes';

const BACKBONE_OUT = 'PartitionedCall/onnx_tf_prefix_Concat_62';

test('a Dense head on NanoDet backbone features classifies drawn shapes; on raw pixels it cannot', async () => {
  await selectBackend({ prefer: 'wasm' });
  const { paths } = await defaultRegistry.resolve(NANODET_G_416.id);
  const model = paths[NANODET_G_416.files[0].name];
  const train = await drawShapes(40, 1);
  const test = await drawShapes(40, 2);

  const extractor = await createFeatureExtractor({
    model,
    output: BACKBONE_OUT,
    pool: 'avg',
    // NanoDet's own preprocessing (BGR, 0–255, ImageNet mean/std in pixel units), at 128² instead of 416².
    input: { width: 128, height: 128, layout: 'nchw', channelOrder: 'bgr', mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395], scale: 1 },
  });
  expect(extractor.dim).toBe(512);
  expect(extractor.mapShape).toEqual([512, 4, 4]);
  expect(extractor.nodeCount).toBeLessThan(170); // the detection heads were pruned
  const trainX = await extractor.extract(train.images);
  const testX = await extractor.extract(test.images);
  await extractor.release();
  expect(trainX).toHaveLength(160);
  expect(trainX.every((v) => v.length === 512 && v.every(Number.isFinite))).toBe(true);

  const featureAcc = await trainDenseHead({ x: trainX, y: train.labels }, { x: testX, y: test.labels }, DRAWN_SHAPES.length);

  const pixels = (images: typeof train.images) => Promise.all(images.map(async (im) => Float32Array.from((await resizeImage(im, 16, 16)).data, (v) => v / 255)));
  const pixelAcc = await trainDenseHead({ x: await pixels(train.images), y: train.labels }, { x: await pixels(test.images), y: test.labels }, DRAWN_SHAPES.length);

  if (process.env.MK_PRINT_ACC) console.log({ featureAcc, pixelAcc });
  // Measured 0.8875 (features) and 0.25 (pixels, chance); other data/head seeds gave 0.79–0.89.
  expect(featureAcc).toBeGreaterThanOrEqual(0.75);
  expect(pixelAcc).toBeLessThanOrEqual(0.45);
});
