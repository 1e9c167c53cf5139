/**
 * Transfer learning with few labels on a real, standard task: Fashion-MNIST with 100
 * training images per class (1 000 in all), scored on the standard 10 000-image test set.
 * Trains, in one run, with `trainClassifier` (what `modelkit train classify` runs):
 * - `scratch`: the small CNN from scratch (32², the default recipe with flip/crop/jitter);
 * - `frozen`: `--backbone mobilenetv2 --unfreeze 0`: a softmax head on the frozen, cached
 *   MobileNetV2 features;
 * - `finetune`: `--backbone mobilenetv2` with its defaults (head on frozen features, then the
 *   top 3 blocks fine-tuned);
 * - `nanodet`: a Dense head on NanoDet-g backbone features (train-core's `createFeatureExtractor`,
 *   the README's features example), if @modelkit/det's model resolves.
 * Each exported `model.onnx` is then run by onnxruntime on the 10 000 test images. Prints a
 * table: test accuracy, wall time (data decoding, features, training, export) and the machine load.
 *
 *   npx tsx tools/bench/train-fashion-mnist/transfer.ts [--per-class 100] [--test 10000]
 *     [--methods scratch,frozen,finetune,nanodet] [--size 224] [--seed 0] [--keep DIR]
 *
 * Needs `apt-get install dataset-fashion-mnist` (skips with a message otherwise; or set
 * FASHION_MNIST_DIR). Run from the repo root. Deterministic up to float summation order;
 * only the times vary.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { defaultRegistry } from '@modelkit/core';
import {
  Accuracy, Adam, ArrayDataset, createFeatureExtractor, crossEntropy, selectBackend, trainClassifier, Trainer,
  type TrainClassifierOptions,
} from '../../../packages/train-core/src';
import { fashionMnistAvailable, fewLabelSubsets, readFashionSplit, toRgb, writeClassFolder, type FashionSplit, testAccuracy, arg, loadText } from './fashion-mnist';

interface Row {
  method: string;
  acc: number;
  seconds: number;
  note: string;
  load: string;
}


async function trainAndTest(name: string, settings: Omit<TrainClassifierOptions, 'data' | 'out'>, data: string, root: string, test: FashionSplit): Promise<Row> {
  const out = join(root, `run-${name}`);
  const l0 = loadText();
  const s = await trainClassifier({ data, out, valSplit: 0, backend: 'wasm', onMessage: (line) => console.error(`[${name}] ${line}`), ...settings });
  const acc = await testAccuracy(s.files.onnx, test);
  const note = s.transfer
    ? `features ${s.transfer.featureSeconds.toFixed(0)} s, ` + s.transfer.phases.map((p) => `${p.phase} ${p.epochs} ep ${p.seconds.toFixed(0)} s`).join(', ')
    : `${s.config.model} ${s.config.size}², ${s.epochs} epochs`;
  return { method: name, acc, seconds: s.seconds, note, load: `${l0} → ${loadText()}` };
}

/** NanoDet-g's backbone features + a Dense head, as in train-core's README features example. */
async function nanodet(train: FashionSplit, test: FashionSplit, seed: number): Promise<Row | string> {
  try {
    await import('../../../packages/det/src');
  } catch (err) {
    return `nanodet skipped: @modelkit/det did not load (${(err as Error).message})`;
  }
  const l0 = loadText();
  const t0 = performance.now();
  const { paths } = await defaultRegistry.resolve('nanodet-g-416');
  const extractor = await createFeatureExtractor({
    model: paths['model.onnx']!,
    output: 'PartitionedCall/onnx_tf_prefix_Concat_62',
    pool: 'avg',
    input: { width: 128, height: 128, layout: 'nchw', channelOrder: 'bgr', mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395], scale: 1 },
  });
  const trainX = await extractor.extract(train.images.map(toRgb));
  const testX = await extractor.extract(test.images.map(toRgb));
  await extractor.release();
  const dim = extractor.dim;
  const mean = new Float32Array(dim);
  const inv = new Float32Array(dim);
  for (const v of trainX) v.forEach((x, i) => (mean[i] += x / trainX.length));
  for (const v of trainX) v.forEach((x, i) => (inv[i] += (x - mean[i]!) ** 2 / trainX.length));
  inv.forEach((s, i) => (inv[i] = 1 / Math.sqrt(s + 1e-6)));
  const norm = (vs: Float32Array[]): Float32Array[] => vs.map((v) => v.map((x, i) => (x - mean[i]!) * inv[i]!));
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [dim], units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  const trainer = new Trainer({ model, optimizer: new Adam({ learningRate: 1e-3, weightDecay: 1e-4 }), lossFn: crossEntropy(), metrics: [new Accuracy()], seed: 7 });
  await trainer.fit(new ArrayDataset({ inputs: norm(trainX), inputShape: [dim], targets: train.labels, numClasses: 10 }), { epochs: 60, batchSize: 16 });
  const r = await trainer.evaluate(new ArrayDataset({ inputs: norm(testX), inputShape: [dim], targets: test.labels, numClasses: 10 }));
  trainer.dispose();
  model.dispose();
  return { method: 'nanodet', acc: r.acc!, seconds: (performance.now() - t0) / 1000, note: 'NanoDet-g Concat_62 avg-pooled at 128², Dense 64 + softmax, 60 epochs (tfjs eval)', load: `${l0} → ${loadText()}` };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('usage: npx tsx tools/bench/train-fashion-mnist/transfer.ts [--per-class 100] [--test 10000] [--methods scratch,frozen,finetune,nanodet] [--size 224] [--seed 0] [--keep DIR]');
    return;
  }
  if (!(await fashionMnistAvailable())) {
    console.log('Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR): skipped');
    return;
  }
  const perClass = Number(arg('--per-class', '100'));
  const testCount = Number(arg('--test', '10000'));
  const methods = arg('--methods', 'scratch,frozen,finetune,nanodet').split(',');
  const size = Number(arg('--size', '224'));
  const seed = Number(arg('--seed', '0'));
  const keep = arg('--keep', '');
  await selectBackend({ prefer: 'wasm' });

  const [train] = fewLabelSubsets(readFashionSplit('train'), [perClass], 1 + seed);
  const fullTest = readFashionSplit('t10k');
  const test = testCount >= fullTest.images.length ? fullTest : fewLabelSubsets(fullTest, [Math.ceil(testCount / 10)], 2)[0]!;
  const root = keep || (await mkdtemp(join(tmpdir(), 'mk-fashion-')));
  const data = join(root, 'train');
  await writeClassFolder(data, train!);
  console.error(`data: ${train!.images.length} training images (${perClass} a class) in ${data}; ${test.images.length} test images`);

  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const m of methods) {
      if (m === 'scratch') rows.push(await trainAndTest('scratch', { model: 'small-cnn', size: 32, epochs: 30, seed }, data, root, test));
      else if (m === 'frozen') rows.push(await trainAndTest('frozen', { pretrained: 'mobilenetv2', size, unfreeze: 0, epochs: 20, seed }, data, root, test));
      else if (m === 'finetune') rows.push(await trainAndTest('finetune', { pretrained: 'mobilenetv2', size, seed }, data, root, test));
      else if (m === 'nanodet') {
        const r = await nanodet(train!, test, seed);
        if (typeof r === 'string') notes.push(r);
        else rows.push(r);
      } else throw new Error(`unknown method ${m}`);
      console.error(`done: ${m}`);
    }
  } finally {
    if (!keep) await rm(root, { recursive: true, force: true });
  }
  console.log(`Fashion-MNIST, ${train!.images.length} training images (${perClass} a class), ${test.images.length} test images; node ${process.version}`);
  console.log('| method | test accuracy | wall time | what | load (1/5/15 min, before → after) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.method} | ${(r.acc * 100).toFixed(2)} % | ${r.seconds.toFixed(0)} s | ${r.note} | ${r.load} |`);
  for (const n of notes) console.log(n);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
