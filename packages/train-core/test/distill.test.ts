import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, sha256File, type CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { exportClassifier, trainClassifier, type ClassifySummary } from '../src/classify';
import { smallCnn } from '../src/models/small-cnn';
import { parseTrainingLog } from '../src/trainer';
import { FOLDER_CLASSES, writeShapeFolder } from './fixtures/class-folder';

// `train classify --teacher` end to end, in process, on the drawn-shapes folder (3 classes ×
// 40 images of 32², 90 train / 30 val): a small-CNN teacher trained for a few epochs and
// exported, then a student at 24² (the teacher runs at its own 32²) distilled from it
// through the CLI; the saved teacher record, a resume, and the teacher errors.

const train = commands.find((c) => c.name === 'train')!;
const classifyCmd: CliCommand = train.subcommands!.find((c) => c.name === 'classify')!;

let root: string;
let data: string;
let teacher: ClassifySummary;
const base = { backend: 'wasm' as const, batchSize: 16, seed: 1, valSplit: 0.25, lr: 0.01 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-distill-'));
  data = join(root, 'shapes');
  await writeShapeFolder(data, 40, 7);
  teacher = await trainClassifier({ ...base, data, out: join(root, 'teacher'), size: 32, epochs: 6, augment: 'none' });
});

afterAll(async () => {
  if (!process.env.KEEP_DISTILL) await rm(root, { recursive: true, force: true });
});

async function classify(options: Record<string, unknown>): Promise<{ summary: ClassifySummary; err: string }> {
  const io = createMemoryIO();
  const code = await classifyCmd.run!([], { ...base, json: true, ...options }, io);
  expect(code).toBe(0);
  return { summary: JSON.parse(io.out()) as ClassifySummary, err: io.err() };
}

test('a student distils from an exported teacher at another size; config.json records the teacher; resume keeps it', async () => {
  const out = join(root, 'student');
  const teacherSha = await sha256File(teacher.files.onnx);
  console.log(`teacher: val accuracy ${teacher.valAccuracy} after ${teacher.epochs} epochs, ${teacher.seconds.toFixed(1)} s`);

  // Through the CLI flags; default augmentation, so the teacher runs on every augmented image.
  const first = await classify({ data, out, size: 24, epochs: 3, teacher: teacher.files.onnx, distillTemperature: 3, distillAlpha: 0.8 });
  const s = first.summary;
  expect(first.err).toMatch(/^teacher: .*model\.onnx \(32x32, sha256 [0-9a-f]{12}…\), T 3, alpha 0.8, run on every augmented image$/m);
  expect(s.config.distill).toEqual({ teacher: teacher.files.onnx, path: teacher.files.onnx, sha256: teacherSha, temperature: 3, alpha: 0.8 });
  // 90 images × 3 epochs, each seen by the teacher once per epoch.
  expect(s.distill).toMatchObject({ sha256: teacherSha, teacherSize: [32, 32], teacherImages: 270, cached: false });
  const saved = JSON.parse(await readFile(s.files.config, 'utf8'));
  expect(saved.config.distill).toEqual(s.config.distill);

  // The training loss (KL + CE) falls; validation reports the plain CE and accuracy.
  const log = parseTrainingLog(await readFile(s.files.log, 'utf8'));
  const losses = log.filter((r) => r.type === 'train').map((r) => r.values.loss as number);
  console.log(`student train loss ${losses.map((l) => l.toFixed(3)).join(' → ')}; val acc ${s.valAccuracy}; teacher ${s.distill!.teacherSeconds.toFixed(2)} s in onnxruntime`);
  expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  expect(log.filter((r) => r.type === 'eval').every((r) => typeof r.values.val_acc === 'number' || typeof r.values.acc === 'number')).toBe(true);
  // The teacher is only read: its file is unchanged.
  expect(await sha256File(teacher.files.onnx)).toBe(teacherSha);

  // Resume without --teacher: the saved one is reloaded (sha256 checked) and the run continues.
  const resumed = await classify({ data, out, size: 24, epochs: 4, resume: true });
  expect(resumed.err).toContain('resuming from step 18');
  expect(resumed.summary).toMatchObject({ resumedFromStep: 18, steps: 24, distill: { sha256: teacherSha, teacherImages: 90 } });
  // The same teacher given as its run folder (model.card.json, sha256-verified) is the same teacher.
  const again = await classify({ data, out, size: 24, epochs: 5, resume: true, teacher: join(root, 'teacher') });
  expect(again.summary.steps).toBe(30);

  // A different teacher on resume is refused before anything runs.
  const other = join(root, 'other-teacher');
  await mkdir(other);
  await copyFile(join(root, 'teacher', 'labels.json'), join(other, 'labels.json'));
  await writeFile(join(other, 'model.onnx'), Buffer.concat([await readFile(teacher.files.onnx), Buffer.from([0])]));
  await expect(classify({ data, out, size: 24, epochs: 6, resume: true, teacher: join(other, 'model.onnx') })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/distilled from .* but --teacher .* is another model/),
    details: { key: 'teacher', saved: teacherSha },
  });
  // And so is a teacher for a run trained without one, or other distillation settings.
  await expect(classify({ data, out: join(root, 'teacher'), size: 32, epochs: 7, augment: 'none', resume: true, teacher: teacher.files.onnx })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringContaining('without a teacher'),
  });
  await expect(classify({ data, out, size: 24, epochs: 6, resume: true, distillAlpha: 0.5 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
});

test('without augmentation the teacher runs once per image and its outputs are reused', async () => {
  const { summary } = await classify({ data, out: join(root, 'cached'), size: 24, epochs: 2, augment: 'none', teacher: join(root, 'teacher') });
  expect(summary.distill).toMatchObject({ teacherImages: 90, cached: true, teacher: join(root, 'teacher') });
});

test('teacher errors: not ONNX, wrong output shape, other classes, with --backbone, flags without a teacher', async () => {
  const run = (name: string, options: Record<string, unknown>): Promise<unknown> => classify({ data, out: join(root, name), size: 24, epochs: 1, ...options });

  // Not an ONNX file (labels.json next to it, so only the format is wrong).
  const notOnnx = join(root, 'not-onnx');
  await mkdir(notOnnx);
  await writeFile(join(notOnnx, 'model.onnx'), 'this is not a protobuf');
  await copyFile(join(root, 'teacher', 'labels.json'), join(notOnnx, 'labels.json'));
  await expect(run('e1', { teacher: join(notOnnx, 'model.onnx') })).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringMatching(/is not an ONNX model onnxruntime can load/) });

  // A real classifier with 2 outputs, but labels.json names the data's 3 classes.
  const twoWay = join(root, 'two-way');
  await mkdir(twoWay);
  const model = smallCnn({ inputSize: 32, numClasses: 2, blocks: 2, baseFilters: 4 });
  await exportClassifier(model, twoWay, { classNames: ['circle', 'square'], size: 32, description: 'test' });
  model.dispose();
  // Its run folder (card labels circle, square) does not know the data's triangle.
  await expect(run('e3', { teacher: twoWay })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringContaining('the data has triangle which the teacher does not know'),
    details: { onlyStudent: ['triangle'], onlyTeacher: [] },
  });
  await writeFile(join(twoWay, 'labels.json'), JSON.stringify(FOLDER_CLASSES));
  await expect(run('e2', { teacher: join(twoWay, 'model.onnx') })).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringMatching(/outputs probs \[.*2\]; a teacher outputs probabilities \[N, 3\]/) });
  // Labels of another task.
  const renamed = join(root, 'renamed');
  await mkdir(renamed);
  await copyFile(teacher.files.onnx, join(renamed, 'model.onnx'));
  await writeFile(join(renamed, 'labels.json'), JSON.stringify(['cat', 'dog', 'bird']));
  await expect(run('e4', { teacher: join(renamed, 'model.onnx') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', details: { onlyTeacher: ['cat', 'dog', 'bird'] } });
  // No labels at all.
  await rm(join(renamed, 'labels.json'));
  await expect(run('e5', { teacher: join(renamed, 'model.onnx') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('has no class names') });
  await expect(run('e6', { teacher: join(root, 'absent.onnx') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });

  await expect(run('e7', { teacher: teacher.files.onnx, backbone: 'mobilenetv2', size: 32 })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--backbone') });
  await expect(run('e8', { distillTemperature: 2 })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('need --teacher') });
  await expect(run('e9', { teacher: teacher.files.onnx, distillAlpha: 1.5 })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--distill-alpha') });
});
