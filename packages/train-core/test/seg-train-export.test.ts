import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createMemoryIO, InferenceSession, resolveModel, type CliCommand } from '@modelkit/core';
import { selectBackend } from '../src';
import { commands } from '../src/cli';
import { deeplabV3Plus } from '../src/seg/deeplabv3p';
import { checkSegParity, exportSegModel } from '../src/seg/export-seg';
import { fastSegNet } from '../src/seg/fast-seg-net';
import { SegDataset } from '../src/seg/seg-dataset';
import { drawSegShapes } from '../src/seg/synthetic-seg-shapes';
import type { SegTrainSummary } from '../src/seg/train-seg';
import { unet } from '../src/seg/unet';

let root: string;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'mk-seg-train-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeFolder(dir: string, count: number, classes: number, size = 32): Promise<void> {
  await mkdir(join(dir, 'images'), { recursive: true });
  await mkdir(join(dir, 'masks'), { recursive: true });
  for (const [i, s] of drawSegShapes(count, { size, classes, seed: 11 }).entries()) {
    await sharp(Buffer.from(Uint8Array.from(s.image)), { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, 'images', `${i}.png`));
    await sharp(Buffer.from(s.mask), { raw: { width: size, height: size, channels: 1 } }).png().toFile(join(dir, 'masks', `${i}.png`));
  }
}

/** Exports `model`, then compares the ONNX file with tfjs on drawn images. */
async function parityOf(model: tfl.LayersModel, size: number, name: string): Promise<Awaited<ReturnType<typeof checkSegParity>>> {
  const out = join(root, name);
  const folder = await exportSegModel(model, out, { classNames: ['background', 'disc', 'box'], size, description: name });
  const data = new SegDataset(drawSegShapes(6, { size, classes: 2, seed: 3 }), size, 3);
  return checkSegParity(model, folder.onnx, data);
}

describe('segmentation export', () => {
  it('DeepLabV3+ (atrous ASPP as ONNX Conv dilations, bilinear upsampling, image pooling) matches tfjs within 1e-4', async () => {
    const model = await deeplabV3Plus({ inputSize: 64, numClasses: 3, pretrained: false, alpha: 0.35, asppChannels: 16, decoderChannels: 16, seed: 2 });
    const p = await parityOf(model, 64, 'deeplab');
    model.dispose();
    expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(p.onnxMiou - p.tfjsMiou)).toBeLessThanOrEqual(1e-4);
    expect(p.ok).toBe(true);
  }, 60_000);

  it('the fast two-branch net and U-Net match tfjs within 1e-4', async () => {
    for (const [name, model] of [['fast', fastSegNet({ inputSize: 64, numClasses: 3, width: 0.5, seed: 3 })], ['unet', unet({ inputSize: 64, numClasses: 3, baseChannels: 8, seed: 4 })]] as const) {
      const p = await parityOf(model, 64, name);
      model.dispose();
      expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(p.ok).toBe(true);
    }
  }, 60_000);
});

describe('modelkit train seg', () => {
  const seg = (): CliCommand => commands.find((c) => c.name === 'train')!.subcommands!.find((c) => c.name === 'seg')!;

  async function run(options: Record<string, unknown>): Promise<SegTrainSummary> {
    const io = createMemoryIO();
    const code = await seg().run!([], { json: true, ...options }, io);
    expect(code).toBe(0);
    return JSON.parse(io.out()) as SegTrainSummary;
  }

  it('trains U-Net on a drawn folder, exports a folder the registry resolves, checks the export, resumes', async () => {
    const data = join(root, 'two-class');
    await writeFolder(data, 16, 1);
    const out = join(root, 'run-unet');
    const base = { data, out, model: 'unet', size: 32, width: 0.5, batchSize: 4, valSplit: 0.25, seed: 1, lr: 0.01 };
    const first = await run({ ...base, epochs: 2 });
    expect(first.trainImages).toBe(12);
    expect(first.valImages).toBe(4);
    expect(first.classNames).toEqual(['class0', 'class1']);
    expect(first.parity!.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(first.parity!.onnxMiou - first.parity!.tfjsMiou)).toBeLessThanOrEqual(1e-4);
    expect(first.val!.miou).toBeCloseTo(first.parity!.tfjsMiou, 6);
    const card = JSON.parse(await readFile(first.files.card, 'utf8')) as { input: Record<string, unknown> };
    expect(card.input).toMatchObject({ layout: 'nhwc', channelOrder: 'rgb', height: 32, width: 32, output: 'two-logits' });
    const resolved = await resolveModel(out, { what: 'model' });
    expect(resolved.paths['model.onnx']).toBe(first.files.onnx);
    const session = await InferenceSession.create(first.files.onnx);
    expect(session.outputs[0]!.shape).toEqual([null, 32, 32, 2].map((d, i) => (i === 0 ? session.outputs[0]!.shape![0] : d)));
    await session.release();

    const resumed = await run({ ...base, epochs: 3, resume: true });
    expect(resumed.resumedFromStep).toBe(first.steps);
    expect(resumed.steps).toBe(first.steps + 3);
    expect(existsSync(join(out, 'last'))).toBe(true);
  }, 90_000);

  it('refuses 0/255 masks with the remap in the message; --remap 255:1 trains (EMA, 3 classes -> class-logits, no val split: export checked on training images)', async () => {
    const data = join(root, 'binary');
    await mkdir(join(data, 'images'), { recursive: true });
    await mkdir(join(data, 'masks'), { recursive: true });
    for (const [i, s] of drawSegShapes(8, { size: 32, classes: 1, seed: 12 }).entries()) {
      await sharp(Buffer.from(Uint8Array.from(s.image)), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(data, 'images', `${i}.png`));
      await sharp(Buffer.from(s.mask.map((v) => (v ? 255 : 0))), { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(join(data, 'masks', `${i}.png`));
    }
    const io = createMemoryIO();
    await expect(seg().run!([], { data, out: join(root, 'bin-run'), model: 'unet', size: 32, epochs: 1 }, io)).rejects.toThrow(/--remap 255:1/);
    const s = await run({ data, out: join(root, 'bin-run'), model: 'unet', size: 32, width: 0.5, epochs: 1, batchSize: 4, remap: '255:1', ema: true, valSplit: 0, classes: 'background,disc,extra' });
    expect(s.classNames).toEqual(['background', 'disc', 'extra']);
    const card = JSON.parse(await readFile(s.files.card, 'utf8')) as { input: Record<string, unknown> };
    expect(card.input.output).toBe('class-logits');
    expect(s.valImages).toBe(0);
    // Without a validation split the export is checked on training images.
    expect(s.parity.images).toBe(8);
    expect(s.parity.ok).toBe(true);
  }, 60_000);
});
