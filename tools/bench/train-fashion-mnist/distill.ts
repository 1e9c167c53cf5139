/**
 * Knowledge distillation on a real, standard task: Fashion-MNIST with 100 training images
 * per class (1 000 in all), scored on the standard 10 000-image test set. In one run, with
 * `trainClassifier` (what `modelkit train classify` runs):
 * - `teacher`: `--backbone mobilenetv2` (transfer from the shipped ImageNet-initialised
 *   MobileNetV2, default recipe: head on frozen features, then the top 3 blocks fine-tuned)
 *   at `--teacher-size`, on the same 1 000 labelled images (or `--teacher-per-class` of them,
 *   a superset); with `--teacher-model small-cnn` the small CNN from scratch at 32² instead;
 * - `student`: the small CNN from scratch at 32², default recipe (flip/crop/jitter), no teacher;
 * - `student + teacher`: the same student, same seed and epochs, with `--teacher` = the
 *   teacher's exported model.onnx (soft targets at T, weight alpha, on every augmented image).
 * Each exported `model.onnx` is then run by onnxruntime on the test images. Prints a table:
 * test accuracy, wall time (data decoding, features, training, export) and the machine load.
 *
 *   npx tsx tools/bench/train-fashion-mnist/distill.ts [--per-class 100] [--teacher-per-class 100]
 *     [--test 10000] [--epochs 30] [--teacher-model mobilenetv2|small-cnn] [--teacher-size 224]
 *     [--teacher-epochs 10] [--augment basic] [--temperature 4] [--alpha 0.7] [--seed 0] [--teacher-run DIR] [--keep DIR]
 *
 * `--augment` is the students' augmentation (both runs; with `none` the teacher runs once per
 * image and its outputs are reused). `--teacher-run DIR` reuses a teacher trained by an
 * earlier run (DIR/model.onnx). Needs
 * `apt-get install dataset-fashion-mnist` (skips with a message otherwise; or set
 * FASHION_MNIST_DIR). Run from the repo root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, trainClassifier, type ClassifySummary, type TrainClassifierOptions } from '../../../packages/train-core/src';
import { fashionMnistAvailable, fewLabelSubsets, readFashionSplit, writeClassFolder, testAccuracy, arg, loadText } from './fashion-mnist';

interface Row {
  method: string;
  acc: number;
  seconds: number;
  note: string;
  load: string;
}


async function run(name: string, settings: Omit<TrainClassifierOptions, 'out'>, root: string): Promise<{ summary: ClassifySummary; load: string }> {
  const l0 = loadText();
  const summary = await trainClassifier({ out: join(root, `run-${name.replace(/\W+/g, '-')}`), valSplit: 0, backend: 'wasm', onMessage: (line) => console.error(`[${name}] ${line}`), ...settings });
  return { summary, load: `${l0} → ${loadText()}` };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(
      'usage: npx tsx tools/bench/train-fashion-mnist/distill.ts [--per-class 100] [--teacher-per-class 100] [--test 10000] [--epochs 30] [--teacher-model mobilenetv2|small-cnn] [--teacher-size 224] [--teacher-epochs 10] [--augment basic] [--temperature 4] [--alpha 0.7] [--seed 0] [--teacher-run DIR] [--keep DIR]',
    );
    return;
  }
  if (!(await fashionMnistAvailable())) {
    console.log('Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR): skipped');
    return;
  }
  const perClass = Number(arg('--per-class', '100'));
  const teacherPerClass = Number(arg('--teacher-per-class', String(perClass)));
  const testCount = Number(arg('--test', '10000'));
  const epochs = Number(arg('--epochs', '30'));
  const teacherModel = arg('--teacher-model', 'mobilenetv2');
  if (teacherModel !== 'mobilenetv2' && teacherModel !== 'small-cnn') throw new Error(`--teacher-model must be mobilenetv2 or small-cnn, got ${teacherModel}`);
  const teacherSize = Number(arg('--teacher-size', teacherModel === 'small-cnn' ? '32' : '224'));
  // Epochs of the teacher (fine-tuning epochs with mobilenetv2; train classify's default 10): fewer keep a teacher on more images affordable.
  const teacherEpochs = Number(arg('--teacher-epochs', teacherModel === 'small-cnn' ? '30' : '10'));
  const temperature = Number(arg('--temperature', '4'));
  const alpha = Number(arg('--alpha', '0.7'));
  const augment = arg('--augment', 'basic') as 'none' | 'basic' | 'randaugment';
  const seed = Number(arg('--seed', '0'));
  const teacherRun = arg('--teacher-run', '');
  const keep = arg('--keep', '');
  await selectBackend({ prefer: 'wasm' });

  // The student's images are the first `perClass` of the teacher's when the teacher has more
  // (fewLabelSubsets takes the same seeded order): the teacher never saw fewer labels.
  const fullTrain = readFashionSplit('train');
  const [train] = fewLabelSubsets(fullTrain, [perClass], 1 + seed);
  const [teacherTrain] = teacherPerClass === perClass ? [train] : fewLabelSubsets(fullTrain, [teacherPerClass], 1 + seed);
  const fullTest = readFashionSplit('t10k');
  const test = testCount >= fullTest.images.length ? fullTest : fewLabelSubsets(fullTest, [Math.ceil(testCount / 10)], 2)[0]!;
  const root = keep || (await mkdtemp(join(tmpdir(), 'mk-distill-')));
  const data = join(root, 'train');
  await writeClassFolder(data, train!);
  let teacherData = data;
  if (teacherPerClass !== perClass) {
    teacherData = join(root, `train-${teacherPerClass}`);
    await writeClassFolder(teacherData, teacherTrain!);
  }
  console.error(`data: ${train!.images.length} student images (${perClass} a class), ${teacherTrain!.images.length} teacher images; ${test.images.length} test images in ${root}`);

  const rows: Row[] = [];
  try {
    let teacherOnnx: string;
    if (teacherRun) {
      teacherOnnx = join(teacherRun, 'model.onnx');
      const l0 = loadText();
      rows.push({ method: 'teacher (reused)', acc: await testAccuracy(teacherOnnx, test), seconds: Number.NaN, note: teacherRun, load: `${l0} → ${loadText()}` });
    } else {
      const settings: Omit<TrainClassifierOptions, 'out'> =
        teacherModel === 'small-cnn'
          ? { data: teacherData, model: 'small-cnn', size: teacherSize, epochs: teacherEpochs, seed }
          : { data: teacherData, pretrained: 'mobilenetv2', size: teacherSize, epochs: teacherEpochs, seed };
      const t = await run('teacher', settings, root);
      const s = t.summary;
      teacherOnnx = s.files.onnx;
      const note = s.transfer
        ? `MobileNetV2 ${teacherSize}², ${teacherTrain!.images.length} images; features ${s.transfer.featureSeconds.toFixed(0)} s, ` +
          s.transfer.phases.map((p) => `${p.phase} ${p.epochs} ep ${p.seconds.toFixed(0)} s`).join(', ')
        : `small-cnn ${teacherSize}² from scratch, ${teacherTrain!.images.length} images, ${s.epochs} epochs`;
      rows.push({ method: 'teacher', acc: await testAccuracy(teacherOnnx, test), seconds: s.seconds, note, load: t.load });
    }
    console.error(`done: teacher ${(rows[0]!.acc * 100).toFixed(2)} %`);

    const student = { data, model: 'small-cnn' as const, size: 32, epochs, seed, augment };
    const plain = await run('student', student, root);
    rows.push({ method: 'student', acc: await testAccuracy(plain.summary.files.onnx, test), seconds: plain.summary.seconds, note: `small-cnn 32², ${epochs} epochs, augment ${augment}, no teacher`, load: plain.load });
    console.error(`done: student ${(rows[1]!.acc * 100).toFixed(2)} %`);

    const kd = await run('student + teacher', { ...student, teacher: teacherOnnx, distillTemperature: temperature, distillAlpha: alpha }, root);
    const d = kd.summary.distill!;
    rows.push({
      method: 'student + teacher',
      acc: await testAccuracy(kd.summary.files.onnx, test),
      seconds: kd.summary.seconds,
      note: `same, --teacher (T ${temperature}, alpha ${alpha}): teacher at ${d.teacherSize.join('x')} on ${d.teacherImages} ${d.cached ? 'images (outputs reused)' : 'augmented images'}, ${d.teacherSeconds.toFixed(0)} s in onnxruntime`,
      load: kd.load,
    });
  } finally {
    if (!keep) await rm(root, { recursive: true, force: true });
  }
  console.log(`Fashion-MNIST, student ${train!.images.length} training images (${perClass} a class), ${test.images.length} test images; seed ${seed}; node ${process.version}`);
  console.log('| method | test accuracy | wall time | what | load (1/5/15 min, before → after) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.method} | ${(r.acc * 100).toFixed(2)} % | ${Number.isNaN(r.seconds) ? '–' : `${r.seconds.toFixed(0)} s`} | ${r.note} | ${r.load} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
