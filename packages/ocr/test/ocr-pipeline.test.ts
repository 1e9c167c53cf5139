import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ErrorCodes, ModelkitError, defaultRegistry, loadImage, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, rotateImage, writeOnnx } from '@modelkit/core';
import type { OnnxModel } from '@modelkit/core';
import { Ocr, SAMPLE_IMAGE, SAMPLE_TEXT, cropLine, registerOcrModels, renderOcrResult } from '../src';
import { renderText } from './helpers/render-text';

// One Ocr for the whole file: creating sessions costs more than a run.
let ocr: Ocr;
beforeAll(async () => {
  ocr = await Ocr.create();
});
afterAll(async () => {
  await ocr?.dispose();
});

const texts = async (input: Parameters<Ocr['run']>[0]): Promise<string[]> => (await ocr.run(input)).lines.map((l) => l.text);

function hasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

describe('Ocr on rendered text', () => {
  it('reads the bundled sample', async () => {
    expect(await texts(SAMPLE_IMAGE)).toEqual([...SAMPLE_TEXT]);
  });

  it('reads plain English', async () => {
    expect(await texts(await renderText(['Hello world']))).toEqual(['Hello world']);
  });

  it('reads digits and punctuation', async () => {
    expect(await texts(await renderText(['Total: $1,234.56 (2024-06-30)']))).toEqual(['Total: $1,234.56 (2024-06-30)']);
  });

  it('reads several lines in reading order with boxes around them', async () => {
    const r = await ocr.run(await renderText(['The quick brown fox', 'jumps over 13 lazy dogs'], { fontSize: 32 }));
    expect(r.lines.map((l) => l.text)).toEqual(['The quick brown fox', 'jumps over 13 lazy dogs']);
    const [a, b] = r.lines;
    expect(a.box[3][1]).toBeLessThanOrEqual(b.box[0][1] + 2);
    for (const line of r.lines) {
      expect(line.score).toBeGreaterThan(0.8);
      for (const [x, y] of line.box) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(r.width);
        expect(y).toBeLessThan(r.height);
      }
    }
  });

  it('reads a line rotated by 15 degrees and returns a slanted box', async () => {
    const r = await ocr.run(await renderText(['Rotated text line'], { rotate: 15 }));
    expect(r.lines.map((l) => l.text)).toEqual(['Rotated text line']);
    const [tl, tr] = r.lines[0].box;
    const angle = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
    expect(angle).toBeGreaterThan(12);
    expect(angle).toBeLessThan(18);
  });

  it('reads a vertical line of stacked characters', async () => {
    expect(await texts(await renderText(['HELLO'], { vertical: true, verticalPitch: 0.85 }))).toEqual(['HELLO']);
  });

  it('reads a line turned by 90 degrees (tall crop rotated back)', async () => {
    expect(await texts(await renderText(['Vertical text'], { rotate: 90 }))).toEqual(['Vertical text']);
  });

  it('reads a line upside down thanks to the angle classifier', async () => {
    const png = await renderText(['Upside down text'], { rotate: 180 });
    expect(await texts(png)).toEqual(['Upside down text']);
  });

  (hasCjkFont() ? it : it.skip)('reads a Chinese line (needs a CJK font, e.g. fonts-noto-cjk)', async () => {
    expect(await texts(await renderText(['我是中国人'], { fontFamily: 'Noto Sans CJK SC', fontSize: 36 }))).toEqual(['我是中国人']);
  });
});

describe('Ocr inputs and API', () => {
  it('accepts raw RGB pixels and a Buffer alike', async () => {
    const png = await renderText(['Raw pixels 42']);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const raw = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 as const };
    expect(await texts(raw)).toEqual(['Raw pixels 42']);
    expect(await texts(png)).toEqual(['Raw pixels 42']);
  });

  it('returns empty lines for a blank white image', async () => {
    const white = await sharp({ create: { width: 320, height: 160, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const r = await ocr.run(white);
    expect(r.lines).toEqual([]);
    expect(r.width).toBe(320);
  });

  it('throws a typed error for a corrupt image', async () => {
    const png = await renderText(['x']);
    const corrupt = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 7)]);
    await expect(ocr.run(corrupt)).rejects.toMatchObject({ code: ErrorCodes.IMAGE_DECODE });
    await expect(ocr.run(Buffer.from('not an image at all'))).rejects.toBeInstanceOf(ModelkitError);
  });

  it('runs a batch, and detect + recognize give the same text as run', async () => {
    const a = await renderText(['First image']);
    const b = await renderText(['Second image 2']);
    const events: string[] = [];
    const results = await ocr.runBatch([a, b], { onProgress: (e) => events.push(e.phase) });
    expect(results.map((r) => r.lines.map((l) => l.text))).toEqual([['First image'], ['Second image 2']]);
    expect(events[0]).toBe('start');
    expect(events[events.length - 1]).toBe('end');

    const det = await ocr.detect(b);
    expect(det.boxes).toHaveLength(1);
    expect(det.boxes[0].score).toBeGreaterThan(0.6);
    // Recognise the detected crop, and the same crop upside down (the classifier turns it).
    const crop = cropLine(await loadImage(b), det.boxes[0].box);
    const [rec, flipped] = await ocr.recognize([crop, rotateImage(crop, 180)]);
    expect(rec.text).toBe('Second image 2');
    expect(rec.angle).toBe(0);
    expect(flipped.text).toBe('Second image 2');
    expect(flipped.angle).toBe(180);
    expect(flipped.angleScore).toBeGreaterThan(0.9);
  });

  it('reports per-stage timings and the time inside onnxruntime', async () => {
    const r = await ocr.run(SAMPLE_IMAGE);
    const t = r.timings;
    expect(t.inferenceRuns).toBe(2 + r.lines.length); // det, cls (one batch), one rec run per line
    expect(t.inference).toBeGreaterThan(0);
    expect(t.inference).toBeLessThanOrEqual(t.total);
    expect(t.decode + t.det + t.crop + t.cls + t.rec).toBeLessThanOrEqual(t.total + 1e-6);
  });

  it('draws a visualisation twice as wide as the image', async () => {
    const png = await renderText(['Draw <me> & "you"']);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img = { data: new Uint8Array(data), width: info.width, height: info.height };
    const r = await ocr.run(img);
    const out = await renderOcrResult(img, r.lines);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 * img.width);
    expect(meta.height).toBe(img.height);
  });

  it('reads the same with the models as exported (session.optimize: false) and per-step argmax off-graph', async () => {
    const png = await renderText(['Optimised 2048 graphs']);
    const plain = await Ocr.create({ session: { optimize: false } });
    try {
      const a = await plain.run(png);
      const b = await ocr.run(png);
      expect(b.lines.map((l) => l.text)).toEqual(['Optimised 2048 graphs']);
      expect(a.lines.map((l) => l.text)).toEqual(b.lines.map((l) => l.text));
      expect(a.lines[0].box).toEqual(b.lines[0].box);
      expect(Math.abs(a.lines[0].score - b.lines[0].score)).toBeLessThan(1e-4);
    } finally {
      await plain.dispose();
    }
  });

  it('double-checks the classifier: a wrongly turned crop keeps its upright reading', async () => {
    // A stand-in classifier that calls every crop upside down (p180 = 0.9999).
    const dir = mkdtempSync(join(tmpdir(), 'ocr-cls-'));
    try {
      const clsModel = join(dir, 'always-180.onnx');
      await writeOnnx(alwaysUpsideDownClassifier(), clsModel);
      const png = await renderText(['Upright 42']);
      const checked = await Ocr.create({ clsModel });
      const trusting = await Ocr.create({ clsModel, clsVerify: false });
      try {
        expect((await checked.run(png)).lines.map((l) => l.text)).toEqual(['Upright 42']);
        const crop = cropLine(await loadImage(png), (await checked.detect(png)).boxes[0].box);
        const [kept, flipped] = await checked.recognize([crop, rotateImage(crop, 180)]);
        expect(kept).toMatchObject({ text: 'Upright 42', angle: 0 });
        expect(kept.angleScore).toBeGreaterThan(0.99);
        expect(flipped).toMatchObject({ text: 'Upright 42', angle: 180 });
        // PaddleOCR's rule alone turns the upright crop and misreads it.
        const [wrong] = await trusting.recognize([crop]);
        expect(wrong.angle).toBe(180);
        expect(wrong.text).not.toBe('Upright 42');
      } finally {
        await checked.dispose();
        await trusting.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds its bundled models whatever the working directory is', async () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      registerOcrModels();
      const resolved = await defaultRegistry.resolve('ppocr-v4-det', { offline: true });
      expect(resolved.paths['model.onnx']).toMatch(/@gutenye[\\/]ocr-models[\\/]assets[\\/]ch_PP-OCRv4_det_infer\.onnx$/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a dictionary that does not match the recognizer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ocr-dict-'));
    try {
      const dict = join(dir, 'dict.txt');
      writeFileSync(dict, 'a\nb\nc\n');
      await expect(Ocr.create({ dictionary: dict, useAngleCls: false })).rejects.toMatchObject({
        code: ErrorCodes.MODEL_INVALID,
        message: expect.stringContaining('6625 classes but the dictionary gives 5'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with a typed error', async () => {
    await expect(Ocr.create({ boxThresh: 2 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(Ocr.create({ detModel: '/nonexistent/det.onnx' })).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  });
});

/** [N,3,48,W] -> softmax([-4.6, 4.6]) per image: "upside down" with p = 0.9999, whatever the input. */
function alwaysUpsideDownClassifier(): OnnxModel {
  return makeModel(
    makeGraph({
      name: 'always-180',
      inputs: [makeValueInfo('x', 'float32', ['N', 3, 48, 'W'])],
      outputs: [makeValueInfo('p', 'float32', ['N', 2])],
      nodes: [
        makeNode('ReduceMean', ['x'], ['m'], { axes: [2, 3], keepdims: 0 }),
        makeNode('MatMul', ['m', 'zeros'], ['z']),
        makeNode('Add', ['z', 'logits'], ['l']),
        makeNode('Softmax', ['l'], ['p'], { axis: 1 }),
      ],
      initializers: [makeTensor('zeros', 'float32', [3, 2], [0, 0, 0, 0, 0, 0]), makeTensor('logits', 'float32', [2], [-4.6, 4.6])],
    }),
  );
}
