import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createMemoryIO, type CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { loadClassifierImage, loadTrainedClassifier, OnnxClassifier } from '../src/classify';
import { MOBILENET_V2_BLOCKS, mobileNetV2, mobileNetV2CutLayer, mobileNetV2FeatureShape } from '../src/models/mobilenet-v2';
import {
  computeFrozenFeatures,
  decodePretrainedWeights,
  loadBackboneWeights,
  loadPretrainedWeights,
  pretrainedMobileNetV2,
} from '../src/pretrained';
import { selectBackend } from '../src/backend/select-backend';
import { FOLDER_CLASSES, writeShapeFolder } from './fixtures/class-folder';
import { relError, rng } from './helpers';

// The shipped MobileNetV2 backbone (nsfwjs' Keras MobileNetV2, MIT): the real architecture,
// its weights, features of the frozen part through onnxruntime, and a transfer run end to end.

let root: string;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'mk-pretrained-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

test('mobileNetV2 is the real MobileNetV2 1.0: 17 blocks, 2.26 M backbone weights, 1280-d features', () => {
  const model = mobileNetV2({ inputSize: 224 });
  try {
    expect(MOBILENET_V2_BLOCKS).toBe(17);
    // Keras' MobileNetV2(alpha=1, include_top=False) has 2 257 984 parameters.
    expect(model.countParams()).toBe(2257984);
    expect(model.outputs[0]!.shape).toEqual([null, 1280]);
    expect(mobileNetV2FeatureShape(17, 224)).toEqual([7, 7, 320]);
    expect(model.getLayer(mobileNetV2CutLayer(17)).outputShape).toEqual([null, 7, 7, 320]);
  } finally {
    model.dispose();
  }
});

test('the shipped weights fill every backbone weight; a new head keeps its initialisation', async () => {
  const weights = await loadBackboneWeights();
  const model = mobileNetV2({ inputSize: 96, numClasses: 3 });
  try {
    const { loaded, missing } = loadPretrainedWeights(model, weights);
    expect(missing.every((m) => m.startsWith('predictions'))).toBe(true);
    expect(missing).toHaveLength(2);
    expect(loaded).toBe(weights.size);
    // A weight really got its pretrained value (not just the right shape).
    const conv1 = model.getLayer('Conv1').getWeights()[0]!;
    const saved = weights.get('Conv1/kernel')!;
    expect(relError(conv1.dataSync(), saved.values)).toBe(0);
  } finally {
    model.dispose();
  }
  // Another width does not fit: a clear error, not silent garbage.
  const narrow = mobileNetV2({ inputSize: 96, alpha: 0.5 });
  try {
    expect(() => loadPretrainedWeights(narrow, weights)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('has shape') }));
  } finally {
    narrow.dispose();
  }
});

test('decodePretrainedWeights reads uint8-quantized and float32 weights and rejects a short file', () => {
  const bytes = new Uint8Array(2 + 4);
  bytes.set([0, 255]);
  new DataView(bytes.buffer).setFloat32(2, 1.5, true);
  const specs = [
    { name: 'a/kernel', shape: [2], dtype: 'float32' as const, quantization: { min: -1, scale: 2 / 255, dtype: 'uint8' as const } },
    { name: 'b/bias', shape: [1], dtype: 'float32' as const },
  ];
  const w = decodePretrainedWeights(specs, bytes);
  expect(Array.from(w.get('a/kernel')!.values)).toEqual([-1, 255 * (2 / 255) - 1]);
  expect(Array.from(w.get('b/bias')!.values)).toEqual([1.5]);
  expect(() => decodePretrainedWeights(specs, bytes.slice(0, 5))).toThrow(expect.objectContaining({ code: 'E_MODEL_FORMAT' }));
});

test('frozen features from onnxruntime match the tfjs backbone (pooled and the cut map)', async () => {
  const size = 64;
  const r = rng(3);
  const images = [0, 1].map(() => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(r() * 256)));
  const cut = 15;
  const f = await computeFrozenFeatures(images, { size, cutBlock: cut, views: 'flip' });
  expect(f.pooled).toHaveLength(2); // image and mirror
  expect(f.pooled[0]![0]).toHaveLength(1280);
  expect(f.mapShape).toEqual(mobileNetV2FeatureShape(cut, size));

  const backbone = await pretrainedMobileNetV2({ inputSize: size });
  try {
    const x = tf.tensor4d(Float32Array.from(images.flatMap((img) => Array.from(img, (v) => v / 255))), [2, size, size, 3]);
    const pooled = backbone.predict(x) as tf.Tensor;
    const ref = pooled.arraySync() as number[][];
    for (let i = 0; i < 2; i++) expect(relError(f.pooled[0]![i]!, ref[i]!)).toBeLessThan(1e-4);
    // The mirrored view is a different input: its features differ.
    expect(relError(f.pooled[1]![0]!, ref[0]!)).toBeGreaterThan(1e-3);
    tf.dispose([x, pooled]);
  } finally {
    backbone.dispose();
  }
  await expect(computeFrozenFeatures(images, { size: 32 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
});

const train = commands.find((c) => c.name === 'train')!;
const classifyCommand = (): CliCommand => train.subcommands!.find((c) => c.name === 'classify')!;

test('train classify --backbone mobilenetv2: head on cached features, then the top block fine-tuned; the ONNX export agrees', async () => {
  const data = join(root, 'shapes');
  await writeShapeFolder(data, 24, 5, 64);
  const out = join(root, 'transfer');
  const io = createMemoryIO();
  const code = await classifyCommand().run!(
    [],
    { data, out, backbone: 'mobilenetv2', size: 64, unfreeze: 1, headEpochs: 6, epochs: 2, batchSize: 16, seed: 1, valSplit: 0.25, backend: 'wasm', json: true },
    io,
  );
  expect(io.err()).toContain('features: frozen MobileNetV2 at 64x64');
  expect(code).toBe(0);
  const s = JSON.parse(io.out());
  expect(s.config).toMatchObject({ pretrained: 'mobilenetv2', unfreeze: 1, size: 64 });
  expect(s.transfer.phases.map((p: { phase: string }) => p.phase)).toEqual(['head', 'fine-tune']);
  console.log(`transfer on drawn shapes: head ${s.transfer.phases[0].valAccuracy}, fine-tuned ${s.valAccuracy}, ${s.seconds.toFixed(1)} s`);
  // Chance is 1/3; ImageNet features separate drawn circles, squares and triangles.
  expect(s.transfer.phases[0].valAccuracy).toBeGreaterThanOrEqual(0.7);
  expect(s.valAccuracy).toBeGreaterThanOrEqual(0.7);

  // The exported model is the whole network (image in, probabilities out) and agrees with
  // the model rebuilt from the checkpoint.
  const trained = await loadTrainedClassifier(out);
  const onnx = await OnnxClassifier.create(s.files.onnx);
  try {
    expect(JSON.parse(await readFile(s.files.labels, 'utf8'))).toEqual([...FOLDER_CLASSES]);
    const file = join(data, 'circle', readdirSync(join(data, 'circle'))[0]!);
    const img = await loadClassifierImage(file, 64);
    const ours = (await onnx.probabilities([file]))[0]!;
    const x = tf.tidy(() => tf.tensor4d(Float32Array.from(img.data, (v) => v / 255), [1, 64, 64, 3]));
    const y = (trained.model as tfl.LayersModel).predict(x) as tf.Tensor;
    expect(relError(ours, y.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, y]);
  } finally {
    trained.model.dispose();
    await onnx.dispose();
  }

  // The backbone is the model: --model with --backbone is a usage error.
  await expect(classifyCommand().run!([], { data, out: join(root, 'bad'), backbone: 'mobilenetv2', model: 'small-cnn', json: true }, createMemoryIO())).rejects.toMatchObject({
    code: 'E_USAGE',
    message: expect.stringContaining('exclude each other'),
  });
}, 240_000);
