import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ErrorCodes, boxIou, loadImage, makeGraph, makeModel, makeNode, makeValueInfo, writeOnnx } from '@modelkit/core';
import { Detector, SAMPLE_CAT_IMAGE, SAMPLE_IMAGE, kit, modelCards, renderDetections } from '../src';

// One detector for the file: opening a session costs more than a run.
let det: Detector;
let tmp: string;
beforeAll(async () => {
  det = await Detector.create({ session: { threads: 1 } });
  tmp = await mkdtemp(join(tmpdir(), 'modelkit-det-'));
});
afterAll(async () => {
  await det?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

// The astronaut photo (512x512): hand-measured outline of the person, hair to the bottom edge.
const PERSON: [number, number, number, number] = [18, 14, 365, 512];

describe('Detector on the bundled photos', () => {
  it('finds the astronaut as a person with a tight box', async () => {
    const r = await det.run(SAMPLE_IMAGE);
    expect(r.width).toBe(512);
    expect(r.height).toBe(512);
    const person = r.detections.find((d) => d.label === 'person');
    expect(person).toBeDefined();
    expect(person!.classId).toBe(0);
    expect(person!.score).toBeGreaterThan(0.5);
    expect(boxIou(person!.box, PERSON)).toBeGreaterThan(0.8);
    for (const k of ['decode', 'preprocess', 'inference', 'postprocess', 'total'] as const) expect(r.timings[k]).toBeGreaterThanOrEqual(0);
  });

  it('finds the cat, boxes stay inside the image and scores are sorted', async () => {
    const r = await det.run(SAMPLE_CAT_IMAGE);
    expect(r.detections[0].label).toBe('cat');
    for (const d of r.detections) {
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[1]).toBeGreaterThanOrEqual(0);
      expect(d.box[2]).toBeLessThanOrEqual(r.width);
      expect(d.box[3]).toBeLessThanOrEqual(r.height);
      expect(d.box[2]).toBeGreaterThan(d.box[0]);
    }
    const scores = r.detections.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('maps boxes back to original pixels for any size and both resize modes', async () => {
    // The same photo at half size and padded to a wide canvas: the box must follow.
    const half = await sharp(SAMPLE_IMAGE).resize(256, 256).raw().toBuffer();
    const wide = await sharp(half, { raw: { width: 256, height: 256, channels: 3 } })
      .extend({ left: 100, right: 50, background: '#808080' })
      .png()
      .toBuffer();
    for (const resize of ['letterbox', 'resize'] as const) {
      const r = await det.run(wide, { resize });
      expect(r.width).toBe(406);
      const person = r.detections.find((d) => d.label === 'person');
      expect(person).toBeDefined();
      const expected: [number, number, number, number] = [100 + PERSON[0] / 2, PERSON[1] / 2, 100 + PERSON[2] / 2, PERSON[3] / 2];
      expect(boxIou(person!.box, expected)).toBeGreaterThan(0.7);
    }
  });

  it('per-call thresholds: eval keeps more low-score boxes, Matrix NMS still finds the person', async () => {
    const visual = await det.run(SAMPLE_IMAGE);
    const evalRun = await det.run(SAMPLE_IMAGE, { scoreThreshold: 0.05 });
    expect(evalRun.detections.length).toBeGreaterThan(visual.detections.length);
    expect(evalRun.detections.every((d) => d.score > 0.05)).toBe(true);
    expect((await det.run(SAMPLE_IMAGE, { scoreThreshold: 0.05, maxDetections: 3 })).detections).toHaveLength(3);
    const matrix = await det.run(SAMPLE_IMAGE, { nms: 'matrix' });
    expect(matrix.detections[0].label).toBe('person');
    expect(matrix.detections[0].score).toBeGreaterThan(0.5);
  });

  it('accepts RGB images in memory and raw RGBA pixels', async () => {
    const img = await loadImage(SAMPLE_IMAGE);
    const a = await det.run(img);
    const rgba = await sharp(SAMPLE_IMAGE).ensureAlpha().raw().toBuffer();
    const b = await det.run({ data: rgba, width: 512, height: 512, channels: 4 });
    expect(b.detections[0].box).toEqual(a.detections[0].box);
  });

  it('draws boxes and labels into a PNG of the same size', async () => {
    const img = await loadImage(SAMPLE_IMAGE);
    const { detections } = await det.run(img);
    const png = await renderDetections(img, detections);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    // The left edge of the person's box is drawn: pixels there differ from the photo.
    const x = Math.round(detections[0].box[0]);
    const y = 256;
    const at = (buf: Uint8Array, ch: number): number[] => Array.from(buf.subarray((y * 512 + x) * ch, (y * 512 + x) * ch + 3));
    expect(at(data, info.channels)).not.toEqual(at(img.data, 3));
  });
});

describe('input size and flip', () => {
  it('runs the same weights at 512 and 608 (size constants rewritten) and finds the astronaut', async () => {
    // GFL distances stop at regMax x stride (320 px at stride 32): an object that fills a
    // larger input gets a clipped box, so the fit loosens as the input grows (README).
    for (const [inputSize, minIou] of [[512, 0.8], [608, 0.6]]) {
      const big = await Detector.create({ session: { threads: 1 }, inputSize });
      try {
        expect([big.spec.width, big.spec.height]).toEqual([inputSize, inputSize]);
        const person = (await big.run(SAMPLE_IMAGE)).detections.find((d) => d.label === 'person');
        expect(boxIou(person!.box, PERSON)).toBeGreaterThan(minIou);
      } finally {
        await big.dispose();
      }
    }
    await expect(Detector.create({ inputSize: 500 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('multiple of 32') });
  });

  it('flip merges the mirrored run: boxes map back to the same place', async () => {
    const plain = await det.run(SAMPLE_CAT_IMAGE);
    const flipped = await det.run(SAMPLE_CAT_IMAGE, { flip: true });
    const cat = (r: typeof plain) => r.detections.find((d) => d.label === 'cat')!;
    expect(boxIou(cat(flipped).box, cat(plain).box)).toBeGreaterThan(0.9);
    // A mirrored image, flipped back: the same boxes up to the model's asymmetry.
    const mirrored = await sharp(SAMPLE_CAT_IMAGE).flop().png().toBuffer();
    const m = (await det.run(mirrored)).detections.find((d) => d.label === 'cat')!;
    const w = plain.width;
    expect(boxIou([w - m.box[2], m.box[1], w - m.box[0], m.box[3]], cat(plain).box)).toBeGreaterThan(0.9);
  });
});

describe('Detector errors', () => {
  it('rejects undecodable input with E_IMAGE_DECODE and missing files with E_FILE_NOT_FOUND', async () => {
    await expect(det.run(Buffer.from('not an image at all'))).rejects.toMatchObject({ code: ErrorCodes.IMAGE_DECODE });
    await expect(det.run(join(tmp, 'missing.jpg'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });

  it('rejects bad options with E_INVALID_ARGUMENT', async () => {
    await expect(det.run(SAMPLE_IMAGE, { scoreThreshold: 1.5 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(det.run(SAMPLE_IMAGE, { resize: 'crop' as 'resize' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(Detector.create({ preset: 'fast' as 'eval' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(Detector.create({ model: join(tmp, 'nope.onnx') })).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
    await expect(Detector.create({ model: 'no-such-model' })).rejects.toMatchObject({ code: ErrorCodes.MODEL_NOT_FOUND });
  });

  it('rejects a model without NanoDet outputs with E_MODEL_FORMAT', async () => {
    const path = join(tmp, 'identity.onnx');
    const graph = makeGraph({
      nodes: [makeNode('Identity', ['x'], ['y'])],
      inputs: [makeValueInfo('x', 'float32', [1, 3, 416, 416])],
      outputs: [makeValueInfo('y', 'float32', [1, 3, 416, 416])],
    });
    await writeOnnx(makeModel(graph), path);
    await expect(Detector.create({ model: path })).rejects.toMatchObject({ code: ErrorCodes.MODEL_FORMAT });
  });

  it('refuses to run after dispose', async () => {
    const d = await Detector.create({ session: { threads: 1 } });
    await d.dispose();
    await d.dispose();
    await expect(d.run(SAMPLE_IMAGE)).rejects.toMatchObject({ code: ErrorCodes.SESSION_RELEASED });
  });
});

describe('kit', () => {
  it('describes the kit and runs through a KitRunner with per-call options', async () => {
    expect(kit.name).toBe('det');
    expect(kit.modelCards).toBe(modelCards);
    // threads reaches the session (it was dropped when created through the runner before).
    const det = await kit.load({ threads: 1 });
    expect(det.sessionOptions.threads).toBe(1);
    await det.dispose();
    await expect(kit.createRunner({ session: { threads: 1 } } as never)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining("Unknown det option 'session'") });
    const runner = await kit.createRunner({ threads: 1 });
    try {
      await expect(runner.run(SAMPLE_IMAGE, { unknown: true })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('valid options: scoreThreshold') });
      const r = (await runner.run(SAMPLE_IMAGE, { maxDetections: 1 })) as Awaited<ReturnType<Detector['run']>>;
      expect(r.detections).toHaveLength(1);
      expect(r.detections[0].label).toBe('person');
      expect(JSON.parse(JSON.stringify(r)).detections[0].box).toHaveLength(4);
    } finally {
      await runner.dispose();
    }
  });
});

