import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, encodeImage, isModelkitError, type CliCommand } from '@modelkit/core';
import { Detector, evaluate } from '@modelkit/det';
import { commands } from '../src/cli';
import type { DetSummary } from '../src/det/train-detector';
import { drawDetShapes } from './fixtures/det-shapes';

const train = commands.find((c) => c.name === 'train')!;
const det = train.subcommands!.find((c) => c.name === 'det') as CliCommand;

let root: string;
let data: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-det-cli-'));
  data = join(root, 'yolo');
  await mkdir(join(data, 'images'), { recursive: true });
  await mkdir(join(data, 'labels'), { recursive: true });
  const images = drawDetShapes(10, 21, { width: 80, height: 64, classes: 1 });
  for (const [i, im] of images.entries()) {
    await writeFile(join(data, 'images', `s${i}.png`), await encodeImage(im.image, 'png'));
    const [x1, y1, x2, y2] = im.boxes;
    await writeFile(join(data, 'labels', `s${i}.txt`), `0 ${(x1 + x2) / 160} ${(y1 + y2) / 128} ${(x2 - x1) / 80} ${(y2 - y1) / 64}\n`);
  }
  await writeFile(join(data, 'classes.txt'), 'disc\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('train det trains on a YOLO folder, writes a model folder the det kit loads and evaluates, and resumes', async () => {
  const out = join(root, 'run');
  const io = createMemoryIO();
  const options = { data, out, backend: 'wasm', preset: 'small-data', size: 64, epochs: 1, batchSize: 8, valSplit: 0.2, apWarnEpochs: 1, json: true };
  expect(await det.run!([], options, io)).toBe(0);
  const summary = JSON.parse(io.out()) as DetSummary;
  expect(summary.trainImages).toBe(8);
  expect(summary.valImages).toBe(2);
  expect(summary.config.frozenBlocks).toBe(17);
  expect(summary.steps).toBe(1);
  expect(summary.classNames).toEqual(['disc']);
  // One epoch of a frozen backbone finds nothing yet: the AP-stays-0 warning fires.
  if ((summary.valAp50 ?? 0) === 0) expect(io.err()).toMatch(/AP is still 0 after 1 epochs/);
  const card = JSON.parse(await readFile(summary.files.card, 'utf8')) as { task: string; input: { layout: string; width: number; regMax: number } };
  expect(card.task).toBe('detection');
  expect(card.input).toMatchObject({ layout: 'nchw', width: 64, regMax: 7 });

  const kit = await Detector.create({ model: out, preset: 'eval', session: { threads: 1 } });
  try {
    const report = await evaluate(kit, data, { gt: summary.files.valGt });
    expect(report.images).toBe(2);
    expect(report.unmappedCategories).toEqual([]);
  } finally {
    await kit.dispose();
  }

  const io2 = createMemoryIO();
  expect(await det.run!([], { out, resume: true, epochs: 2, json: true }, io2)).toBe(0);
  const resumed = JSON.parse(io2.out()) as DetSummary;
  expect(resumed.resumedFromStep).toBe(1);
  expect(resumed.steps).toBe(2);
}, 120000);

test('train det reports bad data as typed errors', async () => {
  const io = createMemoryIO();
  const bad = join(root, 'bad.json');
  await writeFile(bad, '{"images": [], "annotations": [], "categories": [{"id": 1, "name": "x"}]}');
  const err = await det.run!([], { data: bad, out: join(root, 'bad-run'), backend: 'wasm' }, io).catch((e: unknown) => e);
  expect(isModelkitError(err)).toBe(true);
  expect((err as Error).message).toMatch(/no annotated objects/);
});
