import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadClassifierImage, OnnxClassifier, pruneClassifier, trainClassifier, type PruneClassifierResult } from '../src';
import { FOLDER_CLASSES, writeShapeFolder } from './fixtures/class-folder';

// Pruning end to end on a real `train classify` run: a small CNN trained on drawn shapes
// (3 classes × 40 images, 32²), pruned to half its FLOPs by sensitivity, fine-tuned, and
// exported; the ONNX export must agree with the pruned tfjs model.

let root: string;
let data: string;
let run: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-prune-'));
  data = join(root, 'shapes');
  run = join(root, 'run');
  await writeShapeFolder(data, 40, 7);
  await trainClassifier({ data, out: run, backend: 'wasm', size: 32, epochs: 8, batchSize: 16, seed: 1, valSplit: 0.25, augment: 'none', lr: 0.01 });
}, 60000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('prunes a trained small CNN to 50% of its FLOPs, fine-tunes it, and the ONNX export agrees', async () => {
  const out = join(root, 'pruned');
  const files = (await Promise.all(FOLDER_CLASSES.map(async (c) => (await readdir(join(data, c))).map((f) => join(data, c, f))))).flat().slice(0, 60);
  let tfProbs: number[][] = [];
  const messages: string[] = [];
  const r: PruneClassifierResult = await pruneClassifier({
    run,
    out,
    flops: 0.5,
    criterion: 'l1',
    epochs: 2,
    backend: 'wasm',
    onMessage: (l) => messages.push(l),
    onPrunedModel: async (pruned) => {
      const x = tf.tensor4d(Float32Array.from((await Promise.all(files.map((f) => loadClassifierImage(f, 32)))).flatMap((img) => Array.from(img.data, (v) => v / 255))), [files.length, 32, 32, 3]);
      const y = pruned.predict(x) as tf.Tensor;
      tfProbs = (await y.array()) as number[][];
      tf.dispose([x, y]);
    },
  });
  console.log(messages.join('\n'));
  console.log(r.groups.map((g) => `${g.layers.join('+')}: ${g.kept}/${g.channels} (ratio ${g.ratio.toFixed(3)})`).join('\n'));
  // The run's data folder is found from its config.json.
  expect(r.data).toBe(data);
  expect(r.method).toBe('sensitivity');
  // Four conv groups; the softmax head keeps its classes.
  expect(r.groups).toHaveLength(4);
  expect(r.fixedGroups).toEqual([expect.objectContaining({ layers: [expect.stringContaining('dense')], reason: expect.stringContaining('model output') })]);
  expect(r.sensitivity!.groups).toHaveLength(4);
  expect(r.sensitivity!.groups.every((g) => g.points.length === 7)).toBe(true);
  expect(r.reached).toBe(true);
  expect(r.flopsRatio).toBeLessThanOrEqual(0.5);
  expect(r.flopsRatio).toBeGreaterThan(0.42);
  expect(r.after.params).toBeLessThan(r.before.params);
  // Kept channels in multiples of 8 (the default), for onnxruntime's blocked convolutions.
  expect(r.channelMultiple).toBe(8);
  for (const g of r.groups) expect(g.kept % 8 === 0 || g.kept === g.channels).toBe(true);
  // Chance is 1/3 on 30 validation images.
  expect(r.accuracy.images).toBe(30);
  expect(r.accuracy.baseline).toBeGreaterThanOrEqual(0.7);
  expect(r.accuracy.fineTuned!).toBeGreaterThanOrEqual(0.6);
  expect(r.fineTune.steps).toBe(12);

  for (const f of Object.values(r.files)) await expect(stat(f)).resolves.toBeDefined();
  expect((await stat(r.files.onnx)).size).toBeLessThan((await stat(r.files.unprunedOnnx)).size);
  expect(JSON.parse(await readFile(r.files.report, 'utf8'))).toMatchObject({ flopsRatio: r.flopsRatio, criterion: 'l1' });

  const onnx = await OnnxClassifier.create(r.files.onnx);
  try {
    const probs = await onnx.probabilities(files);
    let maxDiff = 0;
    probs.forEach((p, i) => p.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - tfProbs[i]![k]!)))));
    console.log(`pruned ONNX vs tfjs on ${files.length} images: max |Δp| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  } finally {
    await onnx.dispose();
  }
}, 60000);

test('bad options and a folder without a run are typed errors', async () => {
  const base = { run, out: join(root, 'x'), flops: 0.5, backend: 'wasm' as const };
  await expect(pruneClassifier({ ...base, flops: 1 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(pruneClassifier({ ...base, criterion: 'l2' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('l2') });
  await expect(pruneClassifier({ ...base, out: run })).rejects.toMatchObject({ code: 'E_OUTPUT_CONFLICT' });
  await expect(pruneClassifier({ ...base, run: data, data })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  // A run folder whose training died before its first checkpoint.
  const empty = join(root, 'no-checkpoint');
  await mkdir(empty);
  await copyFile(join(run, 'config.json'), join(empty, 'config.json'));
  await expect(pruneClassifier({ ...base, run: empty })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('checkpoint') });
});
