import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InferenceSession } from '@modelkit/core';
import { Detector } from '@modelkit/det';
import { AdamW, cosineWarmup, selectBackend, Trainer } from '../src';
import { DetApMetric } from '../src/det/det-ap-metric';
import { DEFAULT_DET_AUGMENT } from '../src/det/det-augment';
import { DetDataset } from '../src/det/det-dataset';
import { exportDetector, exportDetectorToOnnx } from '../src/det/export-detector';
import { gflLoss, gflLossParts } from '../src/det/gfl-loss';
import { buildGflDetector, type GflDetector } from '../src/det/gfl-model';
import { drawDetShapes } from './fixtures/det-shapes';

const SIZE = 64;
const SMALL = { inputSize: SIZE, numClasses: 2, pretrained: false, alpha: 0.35, neckChannels: 16, headConvs: 1, seed: 3 } as const;

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('GFL detector training', () => {
  let det: GflDetector;
  afterAll(() => det?.train.dispose());

  it('trains on drawn shapes: the loss falls and AP50 on held-out drawings rises above 0.2', async () => {
    det = await buildGflDetector(SMALL);
    const train = new DetDataset(drawDetShapes(24, 1, { width: SIZE, height: SIZE }), { size: SIZE, strides: det.strides, augment: { ...DEFAULT_DET_AUGMENT, scale: [0.8, 1.2], translate: 0.1 } });
    const val = new DetDataset(drawDetShapes(8, 2, { width: SIZE, height: SIZE }), { size: SIZE, strides: det.strides });
    const epochs = 12;
    const trainer = new Trainer({
      model: det.train,
      optimizer: new AdamW({ learningRate: cosineWarmup({ baseLr: 1e-2, totalSteps: epochs * 6, warmupSteps: 6 }), weightDecay: 1e-4 }),
      lossFn: gflLoss({ grid: train.grid, numClasses: 2, regMax: det.regMax }),
      metrics: [new DetApMetric({ grid: train.grid, numClasses: 2, regMax: det.regMax })],
      seed: 1,
    });
    const fit = await trainer.fit(train, { epochs, batchSize: 4, evalData: val, logInterval: 6 });
    const losses = fit.log.filter((r) => r.type === 'train').map((r) => r.values.loss as number);
    expect(losses.length).toBeGreaterThan(4);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.7);
    expect(fit.lastEval!.ap50).toBeGreaterThan(0.2);
    trainer.dispose();
  });

  it('its ONNX export equals the tfjs model (1e-4) and loads in the det kit', async () => {
    const images = drawDetShapes(2, 5, { width: SIZE, height: SIZE });
    const ds = new DetDataset(images, { size: SIZE, strides: det.strides });
    const x = tf.tensor4d(ds.render(0).input, [1, SIZE, SIZE, 3]);
    const ref = det.export.predict(x) as tf.Tensor[];
    const onnx = exportDetectorToOnnx(det);
    const session = await InferenceSession.create(onnx, { threads: 1 });
    try {
      const nchw = tf.transpose(x, [0, 3, 1, 2]);
      const out = await session.run({ image: { data: nchw.dataSync() as Float32Array, dims: [1, 3, SIZE, SIZE] } });
      const names = det.strides.flatMap((s) => [`scores_${s}`, `distances_${s}`]);
      names.forEach((name, i) => {
        const a = out[name].data as Float32Array;
        const b = ref[i].dataSync();
        expect(a.length).toBe(b.length);
        let diff = 0;
        for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - b[k]));
        expect(diff).toBeLessThan(1e-4);
      });
      tf.dispose([nchw]);
    } finally {
      await session.release();
      tf.dispose([x, ...ref]);
    }

    const out = mkdtempSync(join(tmpdir(), 'det-export-'));
    try {
      const folder = await exportDetector(det, out, { classNames: ['disc', 'square'], description: 'test' });
      const kit = await Detector.create({ model: out, preset: 'eval', session: { threads: 1 } });
      try {
        expect(kit.labels).toEqual(['disc', 'square']);
        expect(kit.spec.regMax).toBe(det.regMax);
        // The det kit finds the drawn shape: its best detection overlaps the true box.
        for (const im of images) {
          const res = await kit.run({ data: im.image.data, width: SIZE, height: SIZE, channels: 3 });
          expect(res.detections.length).toBeGreaterThan(0);
          const best = res.detections[0];
          const [x1, y1, x2, y2] = im.boxes;
          const iw = Math.min(x2, best.box[2]) - Math.max(x1, best.box[0]);
          const ih = Math.min(y2, best.box[3]) - Math.max(y1, best.box[1]);
          const inter = Math.max(0, iw) * Math.max(0, ih);
          const iou = inter / ((x2 - x1) * (y2 - y1) + (best.box[2] - best.box[0]) * (best.box[3] - best.box[1]) - inter);
          expect(iou).toBeGreaterThan(0.5);
        }
      } finally {
        await kit.dispose();
      }
      expect(folder.modelCard.task).toBe('detection');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('loss parts are finite and positive, with Balanced L1 as the box term too', async () => {
    const ds = new DetDataset(drawDetShapes(2, 9, { width: SIZE, height: SIZE }), { size: SIZE, strides: det.strides });
    const ex = [ds.get(0, undefined as never), ds.get(1, undefined as never)];
    const y = tf.tensor3d(Float32Array.from([...ex[0].target as Float32Array, ...ex[1].target as Float32Array]), [2, ...ds.targetShape] as [number, number, number]);
    const x = tf.tensor4d(Float32Array.from([...ex[0].input, ...ex[1].input]), [2, SIZE, SIZE, 3]);
    const pred = det.train.predict(x) as tf.Tensor;
    for (const boxLoss of ['giou', 'balanced-l1'] as const) {
      const parts = gflLossParts(y, pred, { grid: ds.grid, numClasses: 2, regMax: det.regMax, boxLoss });
      for (const v of [parts.qfl, parts.dfl, parts.box]) {
        const n = v.dataSync()[0];
        expect(Number.isFinite(n)).toBe(true);
        expect(n).toBeGreaterThan(0);
      }
      tf.dispose(Object.values(parts));
    }
    tf.dispose([x, y, pred]);
  });
});
