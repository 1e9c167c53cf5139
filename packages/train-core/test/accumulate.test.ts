// Gradient accumulation (`FitOptions.microBatchSize`): a step over micro-batches equals
// one step over the whole batch, leaks nothing, and resumes exactly.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Accuracy, Adam, ArrayDataset, crossEntropy, selectBackend, Sgd, SeededRng, Trainer, type Optimizer } from '../src';
import { disposeTrainer, maxDiff, stateOf, tinyData, tinyFitOptions, tinyTrainer } from './fixtures/tiny-run';

const dirs: string[] = [];
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A small conv net without batch norm (so micro-batches cannot change the forward pass). */
function plainNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

function plainData(count: number): ArrayDataset {
  const rng = new SeededRng(5);
  const inputs = Array.from({ length: count }, () => Float32Array.from({ length: 8 * 8 * 3 }, () => rng.next()));
  return new ArrayDataset({ inputs, inputShape: [8, 8, 3], targets: Array.from({ length: count }, (_, i) => (i * 7) % 3) });
}

async function trainPlain(optimizer: Optimizer, microBatchSize?: number): Promise<{ state: Float32Array[]; losses: number[]; accs: number[] }> {
  const trainer = new Trainer({ model: plainNet(), optimizer, lossFn: crossEntropy(), metrics: [new Accuracy()], seed: 1 });
  // 32 samples, batch 16: two optimizer steps (the second one uses Adam's/momentum's slots).
  const fit = await trainer.fit(plainData(32), { epochs: 1, batchSize: 16, microBatchSize, logInterval: 1 });
  expect(fit.steps).toBe(2);
  const train = fit.log.filter((r) => r.type === 'train');
  const out = { state: await stateOf(trainer), losses: train.map((r) => r.values.loss as number), accs: train.map((r) => r.values.acc as number) };
  disposeTrainer(trainer);
  return out;
}

test.each([
  ['SGD with momentum', () => new Sgd({ learningRate: 0.5, momentum: 0.9 })],
  ['Adam', () => new Adam({ learningRate: 0.01 })],
])('%s: batch 16 in micro-batches of 4 (and 5+5+5+1) equals batch 16 in one piece', async (_name, makeOpt) => {
  const whole = await trainPlain(makeOpt());
  for (const micro of [4, 5]) {
    const acc = await trainPlain(makeOpt(), micro);
    expect(maxDiff(acc.state, whole.state)).toBeLessThanOrEqual(1e-5);
    // The logged loss and metrics are the whole batch's.
    acc.losses.forEach((l, i) => expect(Math.abs(l - whole.losses[i])).toBeLessThanOrEqual(1e-5));
    expect(acc.accs).toEqual(whole.accs);
  }
  // Sanity: training moved the weights.
  const init = plainNet();
  const initState = init.weights.map((w) => w.read().dataSync() as Float32Array);
  init.dispose();
  expect(maxDiff(whole.state, initState)).toBeGreaterThan(1e-3);
});

test('microBatchSize equal to batchSize is the plain step, bit for bit', async () => {
  const a = await trainPlain(new Adam({ learningRate: 0.01 }));
  const b = await trainPlain(new Adam({ learningRate: 0.01 }), 16);
  expect(maxDiff(a.state, b.state)).toBe(0);
  expect(a.losses).toEqual(b.losses);
});

test('accumulation leaks no tensors across steps (clipping, EMA, batch norm, mixup)', async () => {
  const counts: number[] = [];
  const trainer = tinyTrainer(undefined, (e) => {
    if (e.phase === 'progress') counts.push(tf.memory().numTensors);
  });
  const fit = await trainer.fit(tinyData(), tinyFitOptions({ microBatchSize: 3 }));
  expect(fit.steps).toBe(20);
  expect(new Set(counts.slice(1)).size).toBe(1);
  disposeTrainer(trainer);
});

test('stop mid-epoch + resume with accumulation gives the same weights as one straight run', async () => {
  const opts = { microBatchSize: 3 }; // batch 8 = 3 + 3 + 2
  const straightTrainer = tinyTrainer();
  const straightFit = await straightTrainer.fit(tinyData(), tinyFitOptions(opts));
  const straight = await stateOf(straightTrainer);
  disposeTrainer(straightTrainer);

  const dir = await mkdtemp(join(tmpdir(), 'mk-accumulate-'));
  dirs.push(dir);
  const ctrl = new AbortController();
  const first = tinyTrainer(dir, (e) => {
    if (e.phase === 'progress' && e.done >= 7) ctrl.abort();
  });
  const part = await first.fit(tinyData(), tinyFitOptions({ ...opts, signal: ctrl.signal }));
  expect({ steps: part.steps, stopReason: part.stopReason }).toEqual({ steps: 7, stopReason: 'aborted' });
  disposeTrainer(first);

  const second = tinyTrainer(dir);
  const rest = await second.fit(tinyData(), tinyFitOptions({ ...opts, resume: true }));
  expect({ steps: rest.steps, resumed: rest.resumed }).toEqual({ steps: straightFit.steps, resumed: true });
  expect(maxDiff(await stateOf(second), straight)).toBeLessThanOrEqual(1e-6);
  disposeTrainer(second);
});

test('a bad microBatchSize is a typed error', async () => {
  const trainer = tinyTrainer();
  for (const bad of [0, -1, 2.5, 9, Number.NaN]) {
    await expect(trainer.fit(tinyData(), { epochs: 1, batchSize: 8, microBatchSize: bad })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  }
  disposeTrainer(trainer);
});

test('train classify config: --micro-batch is validated (E_USAGE), optional for old runs, and may change on resume', async () => {
  const { freshConfig, resumedConfig } = await import('../src/classify/classify-config');
  expect(freshConfig({}).microBatch).toBeUndefined(); // config.json of older runs has no such field
  const fresh = freshConfig({ batchSize: 16, microBatch: 4 });
  expect(fresh).toMatchObject({ batchSize: 16, microBatch: 4 });
  for (const bad of [0, 1.5, -2]) expect(() => freshConfig({ microBatch: bad })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  // A memory setting, not part of what a resume must match.
  expect(resumedConfig(fresh, { microBatch: 2 }).microBatch).toBe(2);
  expect(resumedConfig(fresh, {}).microBatch).toBe(4);
  expect(resumedConfig(freshConfig({}), {})).not.toHaveProperty('microBatch');
});

test('train classify --micro-batch: trains, is saved in config.json, may change on --resume', async () => {
  const { createMemoryIO } = await import('@modelkit/core');
  const { commands } = await import('../src/cli');
  const { writeShapeFolder } = await import('./fixtures/class-folder');
  const root = await mkdtemp(join(tmpdir(), 'mk-accumulate-cli-'));
  dirs.push(root);
  const data = join(root, 'shapes');
  await writeShapeFolder(data, 4, 3);
  const out = join(root, 'run');
  const classify = commands.find((c) => c.name === 'train')!.subcommands!.find((c) => c.name === 'classify')!;
  const base = { backend: 'wasm', size: 16, batchSize: 4, seed: 1, valSplit: 0.25, augment: 'none', data, out, json: true };
  const io = createMemoryIO();
  expect(await classify.run!([], { ...base, epochs: 1, microBatch: 3 }, io)).toBe(0);
  const summary = JSON.parse(io.out()) as { steps: number; trainImages: number };
  expect(summary.steps).toBe(Math.ceil(summary.trainImages / 4)); // optimizer steps, not micro-batches
  const saved = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { config: { microBatch?: number; batchSize: number } };
  expect(saved.config).toMatchObject({ batchSize: 4, microBatch: 3 });
  expect(await classify.run!([], { ...base, epochs: 2, microBatch: 2, resume: true }, createMemoryIO())).toBe(0);
  await expect(classify.run!([], { ...base, out: join(root, 'bad'), epochs: 1, microBatch: 0 }, createMemoryIO())).rejects.toMatchObject({ code: 'E_USAGE' });
}, 60_000);
