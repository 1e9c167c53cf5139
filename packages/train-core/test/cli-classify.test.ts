import { mkdtemp, readFile, rm, stat, writeFile, mkdir, copyFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createMemoryIO, ModelRegistry, type CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { loadClassifierImage, loadTrainedClassifier, OnnxClassifier, type ClassifySummary } from '../src/classify';
import { parseTrainingLog } from '../src/trainer';
import { FOLDER_CLASSES, writeShapeFolder } from './fixtures/class-folder';

// `modelkit train classify` end to end, in process: a drawn-shapes folder (3 classes × 40
// images of 32², seeded holdout 0.25 → 90 train / 30 val), a short run, a resume that
// trains longer, the ONNX export against the tfjs model, and `train predict`.

const train = commands.find((c) => c.name === 'train')!;
const sub = (name: string): CliCommand => train.subcommands!.find((c) => c.name === name)!;

let root: string;
let data: string;
const base = { backend: 'wasm', size: 32, batchSize: 16, seed: 1, valSplit: 0.25, augment: 'none', lr: 0.01 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-classify-'));
  data = join(root, 'shapes');
  await writeShapeFolder(data, 40, 7);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function classify(options: Record<string, unknown>): Promise<{ summary: ClassifySummary; err: string }> {
  const io = createMemoryIO();
  const code = await sub('classify').run!([], { ...base, json: true, ...options }, io);
  expect(code).toBe(0);
  return { summary: JSON.parse(io.out()) as ClassifySummary, err: io.err() };
}

test('classify trains, resumes from the saved step, exports an ONNX model that agrees with tfjs', async () => {
  const out = join(root, 'run');
  const first = await classify({ data, out, epochs: 3 });
  // 90 training images / batch 16 = 6 steps an epoch.
  expect(first.summary).toMatchObject({ trainImages: 90, valImages: 30, split: 'holdout', classNames: [...FOLDER_CLASSES], steps: 18, epochs: 3 });
  expect(first.err).toMatch(/^backend: wasm/m);

  const second = await classify({ data, out, epochs: 8, resume: true });
  const s = second.summary;
  expect(second.err).toContain('resuming from step 18');
  expect(s).toMatchObject({ resumedFromStep: 18, steps: 48, epochs: 8 });
  const log = parseTrainingLog(await readFile(s.files.log, 'utf8'));
  const resumeAt = log.findIndex((r) => r.type === 'resume');
  expect(log[resumeAt]!.step).toBe(18);
  // Before the resume the steps ran up to 18; after it they continue at 19+, never restart.
  const before = log.slice(0, resumeAt).filter((r) => r.type === 'train').map((r) => r.step);
  const after = log.slice(resumeAt).filter((r) => r.type === 'train').map((r) => r.step);
  expect(Math.max(...before)).toBe(18);
  expect(Math.min(...after)).toBeGreaterThan(18);
  expect(Math.max(...after)).toBe(48);
  expect(log.filter((r) => r.type === 'eval').map((r) => r.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

  // Chance is 1/3.
  console.log(`val accuracy ${s.valAccuracy} (last epoch, exported), best epoch ${s.bestEpoch} ${s.bestValAccuracy}, ${s.seconds.toFixed(1)} s for epochs 4-8`);
  expect(s.exported).toBe('last');
  expect(s.valAccuracy).toBe(s.lastValAccuracy);
  expect(s.valAccuracy!).toBeGreaterThanOrEqual(0.8);
  expect(s.bestValAccuracy!).toBeGreaterThanOrEqual(s.valAccuracy!);
  for (const f of Object.values(s.files)) await expect(stat(f)).resolves.toBeDefined();
  expect(JSON.parse(await readFile(s.files.labels, 'utf8'))).toEqual([...FOLDER_CLASSES]);

  // The card is a valid core card whose sha256s verify.
  const card = JSON.parse(await readFile(s.files.card, 'utf8'));
  const registry = new ModelRegistry();
  registry.register(card, { baseDir: out });
  const resolved = await registry.resolve(card.id, { offline: true, verify: true });
  expect(resolved.paths['model.onnx']).toBe(s.files.onnx);
  expect(card.labels).toEqual([...FOLDER_CLASSES]);

  // ONNX (onnxruntime) vs the tfjs model with the exported (last) weights, on all 120 images.
  const trained = await loadTrainedClassifier(out);
  expect(trained.checkpoint).toBe('last');
  expect(trained.step).toBe(s.steps);
  const files = (await Promise.all(FOLDER_CLASSES.map(async (c) => (await readdir(join(data, c))).map((f) => join(data, c, f))))).flat();
  const onnx = await OnnxClassifier.create(s.files.onnx);
  try {
    const onnxProbs = await onnx.probabilities(files);
    const x = tf.tensor4d(
      Float32Array.from((await Promise.all(files.map((f) => loadClassifierImage(f, 32)))).flatMap((img) => Array.from(img.data, (v) => v / 255))),
      [files.length, 32, 32, 3],
    );
    const tfProbs = trained.model.predict(x) as tf.Tensor;
    const ref = (await tfProbs.array()) as number[][];
    tf.dispose([x, tfProbs]);
    const argmax = (p: ArrayLike<number>): number => Array.from(p).indexOf(Math.max(...Array.from(p)));
    let agree = 0;
    let maxDiff = 0;
    files.forEach((_, i) => {
      if (argmax(onnxProbs[i]!) === argmax(ref[i]!)) agree++;
      ref[i]!.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - onnxProbs[i]![k]!))));
    });
    console.log(`ONNX vs tfjs on ${files.length} images: ${agree} argmax agree, max |Δp| ${maxDiff.toExponential(2)}`);
    expect(agree / files.length).toBeGreaterThanOrEqual(0.95);
    expect(maxDiff).toBeLessThan(1e-4);
  } finally {
    await onnx.dispose();
    trained.model.dispose();
  }

  // `train predict` on two images of different classes.
  const io = createMemoryIO();
  const circle = join(data, 'circle', '000.png');
  const square = join(data, 'square', '000.png');
  expect(await sub('predict').run!([circle, square], { model: s.files.onnx, json: true, top: 2 }, io)).toBe(0);
  const lines = io.out().trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => l.image)).toEqual([circle, square]);
  for (const l of lines) {
    expect(l.top).toHaveLength(2);
    expect(FOLDER_CLASSES).toContain(l.top[0].label);
    expect(l.top[0].score).toBeGreaterThanOrEqual(l.top[1].score);
  }
});

test('bad --data and --out are typed errors', async () => {
  const run = (options: Record<string, unknown>): Promise<number | void> => sub('classify').run!([], { ...base, epochs: 1, ...options }, createMemoryIO());
  await expect(run({ data: join(root, 'absent'), out: join(root, 'o1') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  // Images but no class folders.
  const flat = join(root, 'flat');
  await mkdir(flat);
  await copyFile(join(data, 'circle', '000.png'), join(flat, 'a.png'));
  await expect(run({ data: flat, out: join(root, 'o2') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('no class subfolders') });
  // One class is not a classification problem.
  const one = join(root, 'one');
  await mkdir(join(one, 'circle'), { recursive: true });
  await copyFile(join(data, 'circle', '000.png'), join(one, 'circle', 'a.png'));
  await expect(run({ data: one, out: join(root, 'o3') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('at least two') });
  // A class folder whose only file is corrupt: skipped, then the class is empty.
  const emptyClass = join(root, 'empty-class');
  await mkdir(join(emptyClass, 'circle'), { recursive: true });
  await mkdir(join(emptyClass, 'square'), { recursive: true });
  await copyFile(join(data, 'circle', '000.png'), join(emptyClass, 'circle', 'a.png'));
  await writeFile(join(emptyClass, 'square', 'bad.png'), 'not a png');
  await expect(run({ data: emptyClass, out: join(root, 'o4') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('square') });
  // Flag values outside their range are usage errors.
  await expect(run({ data, out: join(root, 'o5'), valSplit: 1.5 })).rejects.toMatchObject({ code: 'E_USAGE' });
  // An output folder that cannot exist fails at once with a typed error (Node 20's mkdir -p would spin forever under /proc).
  await expect(run({ data, out: '/proc/modelkit-train/out' })).rejects.toMatchObject({ code: 'E_NOT_WRITABLE' });
  await writeFile(join(root, 'a-file'), 'x');
  await expect(run({ data, out: join(root, 'a-file') })).rejects.toMatchObject({ code: 'E_NOT_A_DIRECTORY' });
  await expect(run({ data, out: join(root, 'o5'), model: 'resnet' })).rejects.toMatchObject({ code: 'E_USAGE' });
});

test('a corrupt image is skipped with a warning; an existing run needs --resume; a resume keeps its settings', async () => {
  const small = join(root, 'small');
  await writeShapeFolder(small, 4, 3);
  await writeFile(join(small, 'square', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  const out = join(root, 'small-run');
  const { summary, err } = await classify({ data: small, out, epochs: 1 });
  expect(summary.skipped).toEqual([expect.objectContaining({ file: join('square', 'broken.jpg'), code: 'E_IMAGE_DECODE' })]);
  expect(err).toMatch(/skipped square\/broken\.jpg: E_IMAGE_DECODE/);
  expect(summary.trainImages + summary.valImages).toBe(12);

  const run = (options: Record<string, unknown>): Promise<number | void> => sub('classify').run!([], { ...base, data: small, out, ...options }, createMemoryIO());
  await expect(run({ epochs: 2 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('--resume') });
  await expect(run({ epochs: 2, resume: true, model: 'mobilenet-v2' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('model') });
  // A run that died before its first checkpoint (only config.json left, as after an
  // out-of-memory step 1) does not block a new run in the same folder.
  const failed = join(root, 'failed-run');
  await mkdir(failed);
  await copyFile(join(out, 'config.json'), join(failed, 'config.json'));
  const retry = await classify({ data: small, out: failed, epochs: 1, saveInterval: 1 });
  expect(retry.summary.steps).toBeGreaterThan(0);
  expect(retry.err).not.toContain('resuming');
  // predict: a missing model is a typed error.
  await expect(sub('predict').run!([join(small, 'circle', '000.png')], { model: join(root, 'nope.onnx') }, createMemoryIO())).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
});
