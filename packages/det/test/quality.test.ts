import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, createMemoryIO, defaultRegistry, kitCommands } from '@modelkit/core';
import { DET_QUALITY_SETTINGS, NANODET_G_416, SAMPLE_IMAGE, int8QuantizeCommand, kit, resolveDetQuality } from '../src';
import type { Detector } from '../src';

// Every test runs with its own empty MODELKIT_HOME: no int8 model is registered until the
// last block registers a stand-in (a copy of the float file under the int8 id: the wiring
// is what is tested here, not int8 arithmetic).
let tmp: string;
let savedHome: string | undefined;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'modelkit-det-quality-'));
  savedHome = process.env.MODELKIT_HOME;
  process.env.MODELKIT_HOME = join(tmp, 'home');
});
afterAll(async () => {
  if (savedHome === undefined) delete process.env.MODELKIT_HOME;
  else process.env.MODELKIT_HOME = savedHome;
  await rm(tmp, { recursive: true, force: true });
});

const INT8_ID = `${NANODET_G_416.id}-int8`;

async function load(options: Record<string, unknown>): Promise<Detector> {
  return kit.load({ threads: 1, ...options });
}

describe('resolveDetQuality', () => {
  it('balanced (or none) changes nothing; accurate is 512 + flip', () => {
    expect(resolveDetQuality()).toEqual({});
    expect(resolveDetQuality({ quality: 'balanced' })).toEqual({});
    expect(resolveDetQuality({ quality: 'accurate' })).toEqual({ inputSize: DET_QUALITY_SETTINGS.accurate.inputSize, flip: true });
    expect(DET_QUALITY_SETTINGS.accurate).toEqual({ inputSize: 512, flip: true });
  });

  it('options given explicitly win over the quality', () => {
    expect(resolveDetQuality({ quality: 'accurate', inputSize: 608 })).toEqual({ inputSize: 608, flip: true });
    expect(resolveDetQuality({ quality: 'accurate', flip: false, model: 'my.onnx' })).toEqual({ model: 'my.onnx', inputSize: 512, flip: false });
    // fast without int8: the float model at 416, as asked.
    expect(resolveDetQuality({ quality: 'fast', modelSet: 'default' })).toEqual({});
  });

  it('rejects an unknown quality with a typed error', () => {
    expect(() => resolveDetQuality({ quality: 'best' as never })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
  });

  it('fast without a registered int8 model: E_MODEL_NOT_FOUND with the compress command that makes it', () => {
    let err: unknown;
    try {
      resolveDetQuality({ quality: 'fast' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: ErrorCodes.MODEL_NOT_FOUND,
      message: expect.stringContaining(`'${INT8_ID}', which is not registered`),
      details: { quality: 'fast', model: INT8_ID, command: 'npx modelkit compress quantize --kit det --calib IMAGES --val DATA_DIR' },
    });
    expect((err as Error).message).toContain('npx modelkit compress quantize --kit det --calib IMAGES --val DATA_DIR');
    // Another registry model: the command quantizes that one.
    expect(int8QuantizeCommand('my-nanodet')).toBe(`npx modelkit compress quantize --kit det --kit-options '{"model":"my-nanodet"}' --calib IMAGES --val DATA_DIR`);
    expect(() => resolveDetQuality({ quality: 'fast', model: 'my-nanodet' })).toThrow(expect.objectContaining({ details: expect.objectContaining({ model: 'my-nanodet-int8' }) }));
    // --model-set int8 asked for by name keeps core's message, as in every kit.
    expect(() => resolveDetQuality({ quality: 'accurate', modelSet: 'int8' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.MODEL_NOT_FOUND, message: expect.stringContaining('modelkit compress quantize --kit det') }),
    );
  });
});

describe('det kit --quality', () => {
  it('shows in the det command help with its choices', () => {
    const [command] = kitCommands(kit);
    const option = command.options!.find((o) => o.flags.startsWith('--quality'))!;
    expect(option.flags).toBe('--quality <fast|balanced|accurate>');
    expect(option.description).toMatch(/fast = the int8 model.*accurate = --input-size 512 --flip.*\(default: balanced\)/);
  });

  it('accurate loads the float model at 512 with flip, and finds the astronaut', async () => {
    const det = await load({ quality: 'accurate' });
    try {
      expect(det.card.id).toBe(NANODET_G_416.id);
      expect([det.spec.width, det.spec.height, det.flip]).toEqual([512, 512, true]);
      const r = await det.run(SAMPLE_IMAGE);
      expect(r.detections[0]).toMatchObject({ label: 'person' });
    } finally {
      await det.dispose();
    }
  });

  it('an explicit --input-size or --flip wins over accurate', async () => {
    const det = await load({ quality: 'accurate', inputSize: 416, flip: false });
    try {
      expect([det.spec.width, det.flip]).toEqual([416, false]);
    } finally {
      await det.dispose();
    }
  });

  it('fast fails before loading anything when the int8 model is not registered (API and CLI)', async () => {
    await expect(load({ quality: 'fast' })).rejects.toMatchObject({ code: ErrorCodes.MODEL_NOT_FOUND, message: expect.stringContaining('npx modelkit compress quantize --kit det') });
    const [command] = kitCommands(kit);
    await expect(command.run!([SAMPLE_IMAGE], { threads: 1, quality: 'fast' }, createMemoryIO())).rejects.toMatchObject({ code: ErrorCodes.MODEL_NOT_FOUND });
    await expect(load({ quality: 'turbo' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  describe('with an int8 model registered', () => {
    beforeAll(async () => {
      // What `modelkit compress quantize` leaves in MODELKIT_HOME/cards: <id>.json + <id>/model.onnx.
      const floatPath = (await defaultRegistry.resolve(NANODET_G_416.id)).paths['model.onnx'];
      const cards = join(tmp, 'home', 'cards');
      await mkdir(join(cards, INT8_ID), { recursive: true });
      await copyFile(floatPath, join(cards, INT8_ID, 'model.onnx'));
      const bytes = await readFile(floatPath);
      const card = {
        ...NANODET_G_416,
        id: INT8_ID,
        files: [{ name: 'model.onnx', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, source: { type: 'bundled', path: `${INT8_ID}/model.onnx` } }],
      };
      await writeFile(join(cards, `${INT8_ID}.json`), JSON.stringify(card));
    });

    it('fast runs the int8 model at 416 without flip', async () => {
      expect(resolveDetQuality({ quality: 'fast' })).toEqual({ model: INT8_ID });
      const det = await load({ quality: 'fast' });
      try {
        expect(det.card.id).toBe(INT8_ID);
        expect([det.spec.width, det.flip]).toEqual([416, false]);
        expect((await det.run(SAMPLE_IMAGE)).detections[0]).toMatchObject({ label: 'person' });
      } finally {
        await det.dispose();
      }
    });

    it('accurate with --model-set int8 runs the int8 model at 512 with flip; accurate alone stays float', async () => {
      expect(resolveDetQuality({ quality: 'accurate', modelSet: 'int8' })).toEqual({ model: INT8_ID, inputSize: 512, flip: true });
      expect(resolveDetQuality({ quality: 'accurate' })).toEqual({ inputSize: 512, flip: true });
      const det = await load({ quality: 'accurate', modelSet: 'int8' });
      try {
        expect(det.card.id).toBe(INT8_ID);
        expect([det.spec.width, det.flip]).toEqual([512, true]);
      } finally {
        await det.dispose();
      }
    });
  });
});
