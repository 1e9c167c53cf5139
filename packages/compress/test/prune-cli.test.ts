import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, saveImage } from '@modelkit/core';
import { generateShapes, trainClassifier } from '@modelkit/train-core';
import { commands } from '../src/cli';
import { loadTrainCore, runPrune } from '../src/prune-cli';

// `modelkit compress prune` on a tiny `train classify` run trained here (3 drawn-shape
// classes × 20 images at 16², 3 epochs): uniform and sensitivity pruning, the timing
// against the unpruned export, and the typed errors.

const CLASSES = ['circle', 'square', 'triangle'];
let dir: string;
let run: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compress-prune-'));
  const data = join(dir, 'data');
  const size = 16;
  const shapes = generateShapes({ count: 60, size, numClasses: 3, seed: 4 });
  for (const c of CLASSES) await mkdir(join(data, c), { recursive: true });
  for (let i = 0; i < 60; i++) {
    const pixels = shapes.images.subarray(i * size * size * 3, (i + 1) * size * size * 3);
    const bytes = Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    await saveImage({ data: bytes, width: size, height: size }, join(data, CLASSES[shapes.labels[i]!]!, `${String(i).padStart(3, '0')}.png`));
  }
  run = join(dir, 'run');
  await trainClassifier({ data, out: run, backend: 'wasm', size, epochs: 3, batchSize: 16, seed: 1, valSplit: 0.25, augment: 'none', lr: 0.01 });
}, 60000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('compress has a prune subcommand with its flags', () => {
  const prune = commands[0]!.subcommands!.find((c) => c.name === 'prune')!;
  const flags = prune.options!.map((o) => o.flags.split(' ')[0]);
  for (const f of ['--run', '--data', '--flops', '--criterion', '--method', '--epochs', '--out', '--rounds', '--json']) expect(flags).toContain(f);
});

test('prunes uniformly to 60% of the FLOPs, times the result against the unpruned model, writes the report', async () => {
  const io = createMemoryIO();
  const code = await runPrune({ run, flops: 0.6, method: 'uniform', criterion: 'fpgm', epochs: 1, rounds: 3, backend: 'wasm', json: true }, io);
  expect(code).toBe(0);
  const r = JSON.parse(io.out());
  // Default output folder: next to the run.
  expect(r.out).toBe(`${run}-pruned-60`);
  expect(r).toMatchObject({ method: 'uniform', criterion: 'fpgm', reached: true, fineTune: { epochs: 1 } });
  expect(r.flopsRatio).toBeLessThanOrEqual(0.6);
  // Kept channels in multiples of 8 (the default --channel-multiple).
  for (const g of r.groups as { kept: number; channels: number }[]) expect(g.kept % 8 === 0 || g.kept === g.channels).toBe(true);
  expect(r.speed.unprunedMs).toBeGreaterThan(0);
  expect(r.speed.prunedMs).toBeGreaterThan(0);
  expect(r.speed.prunedBytes).toBeLessThan(r.speed.unprunedBytes);
  expect(r.speed.prunedBytes).toBe((await stat(r.files.onnx)).size);
  const report = JSON.parse(await readFile(r.files.report, 'utf8'));
  expect(report.speed).toEqual(r.speed);
  expect(io.err()).toMatch(/^backend: wasm/m);
}, 60000);

test('sensitivity pruning with bn-scale prints the table', async () => {
  const io = createMemoryIO();
  const out = join(dir, 'bn');
  expect(await runPrune({ run, flops: 0.5, criterion: 'bn-scale', epochs: 0, rounds: 2, backend: 'wasm', out }, io)).toBe(0);
  const text = io.out();
  expect(text).toMatch(/with bn-scale, sensitivity: [\d.]+% of the FLOPs kept \(target 50\.0%\)/);
  expect(text).toMatch(/\| MFLOPs \(MACs\) \| [\d.]+ \| [\d.]+ \|/);
  expect(text).toMatch(/\| ms\/image \(onnxruntime, 1 thread\) \| [\d.]+ \| [\d.]+ \([\d.]+x\) \|/);
  const report = JSON.parse(await readFile(join(out, 'prune-report.json'), 'utf8'));
  expect(report.sensitivity.groups).toHaveLength(4);
  expect(report.fineTune.steps).toBe(0);
}, 60000);

test('bad flags and a missing train-core are typed errors', async () => {
  const io = createMemoryIO();
  await expect(runPrune({ flops: 0.5 }, io)).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--run') });
  await expect(runPrune({ run }, io)).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--flops') });
  await expect(runPrune({ run, flops: 1.2 }, io)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('(0, 1)') });
  await expect(runPrune({ run, flops: 0.5, criterion: 'l2' }, io)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('l1, fpgm, bn-scale') });
  await expect(runPrune({ run: join(dir, 'nothing'), data: run, flops: 0.5, backend: 'wasm' }, io)).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  const missing = (): Promise<never> => Promise.reject(Object.assign(new Error("Cannot find module '@modelkit/train-core'"), { code: 'MODULE_NOT_FOUND' }));
  await expect(loadTrainCore(missing)).rejects.toMatchObject({ code: 'E_UNAVAILABLE', message: expect.stringContaining('npm install @modelkit/train-core') });
  await expect(runPrune({ run, flops: 0.5 }, io, missing)).rejects.toMatchObject({ code: 'E_UNAVAILABLE' });
  // Other failures of the import are not disguised as a missing package.
  await expect(loadTrainCore(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
});
