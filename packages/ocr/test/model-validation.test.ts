import { ErrorCodes, createMemoryIO, defaultRegistry } from '@modelkit/core';
import type { TensorSpec } from '@modelkit/core';
import { kitCommands } from '@modelkit/core';
import { kit } from '../src';

const commands = kitCommands(kit);
import { Ocr, PPOCR_V4_DET, SAMPLE_IMAGE, registerOcrModels } from '../src';
import { checkModelSignature } from '../src/model-signature';

registerOcrModels();
const path = async (id: string): Promise<string> => (await defaultRegistry.resolve(id, { offline: true })).paths['model.onnx'];

describe('Ocr.create refuses a model given in the wrong slot', () => {
  let det: string;
  let rec: string;
  let cls: string;
  beforeAll(async () => {
    [det, rec, cls] = await Promise.all(['ppocr-v4-det', 'ppocr-v4-rec-ch', 'ppocr-mobile-v2-cls'].map(path));
  });

  it('an angle classifier as detModel', async () => {
    const err = await Ocr.create({ detModel: cls }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.MODEL_FORMAT, details: { option: 'detModel', model: cls } });
    const message = (err as Error).message;
    expect(message).toContain('detModel (--det-model): expected the PP-OCR text detector (DB): one float32 input [N,3,H,W] and one output [N,1,H,W]');
    expect(message).toContain(`${cls} has input x float32 [?,3,?,?] and output softmax_0.tmp_0 float32 [?,2]`);
    expect(message).toContain('it looks like the PP-OCR angle classifier, which goes in clsModel (--cls-model)');
  });

  it('a detector as recModel (checked before the missing dictionary is reported)', async () => {
    const err = await Ocr.create({ recModel: det, useAngleCls: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.MODEL_FORMAT, details: { option: 'recModel' } });
    expect((err as Error).message).toContain('recModel (--rec-model): expected the PP-OCR text recognizer (CTC): one float32 input [N,3,48,W] and one output [N,T,C]');
    expect((err as Error).message).toContain('which goes in detModel (--det-model)');
  });

  it('a detector as clsModel', async () => {
    const err = await Ocr.create({ clsModel: det }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.MODEL_FORMAT, details: { option: 'clsModel' } });
    expect((err as Error).message).toContain('clsModel (--cls-model): expected the PP-OCR angle classifier: one float32 input [N,3,48,192] and one output [N,2]');
    expect((err as Error).message).toContain(`${det} has input x float32 [?,3,?,?] and output sigmoid_0.tmp_0 float32 [?,1,?,?]`);
  });

  it('a recognizer by registry id as clsModel or detModel', async () => {
    await expect(Ocr.create({ clsModel: 'ppocr-v4-rec-ch' })).rejects.toMatchObject({ code: ErrorCodes.MODEL_FORMAT, message: expect.stringContaining('--cls-model') });
    await expect(Ocr.create({ detModel: rec })).rejects.toMatchObject({
      code: ErrorCodes.MODEL_FORMAT,
      message: expect.stringContaining(`detModel (--det-model): expected the PP-OCR text detector (DB)`),
    });
  });

  it('fails `modelkit ocr --det-model <classifier>` before any image', async () => {
    const ocr = commands[0];
    const io = createMemoryIO();
    await expect(ocr.run!([SAMPLE_IMAGE], { detModel: cls }, io)).rejects.toMatchObject({ code: ErrorCodes.MODEL_FORMAT, message: expect.stringContaining('--det-model') });
    expect(io.out()).toBe('');
  });
});

describe('checkModelSignature', () => {
  const t = (name: string, shape: TensorSpec['shape'], dataType = 'float32'): TensorSpec => ({ name, dataType, shape });
  const model = (inputs: TensorSpec[], outputs: TensorSpec[]) => ({ name: 'm.onnx', inputs, outputs });

  it('accepts dynamic and matching fixed axes', () => {
    expect(() => checkModelSignature('detModel', model([t('x', [1, 3, 640, 640])], [t('y', ['N', 1, null, null])]))).not.toThrow();
    expect(() => checkModelSignature('recModel', model([t('x', ['N', 3, 48, 'W'])], [t('y', [null, 40, 97])]), { height: 48 })).not.toThrow();
    expect(() => checkModelSignature('clsModel', model([t('x', ['N', 3, 48, 'W'])], [t('p', ['N', 2])]), { height: 48, width: 192 })).not.toThrow();
  });

  it('refuses wrong sizes, dtypes and counts', () => {
    const bad = [
      () => checkModelSignature('recModel', model([t('x', ['N', 3, 32, 'W'])], [t('y', ['N', 'T', 97])]), { height: 48 }),
      () => checkModelSignature('clsModel', model([t('x', ['N', 3, 48, 100])], [t('p', ['N', 2])]), { height: 48, width: 192 }),
      () => checkModelSignature('clsModel', model([t('x', ['N', 3, 48, 192])], [t('p', ['N', 3])]), { height: 48, width: 192 }),
      () => checkModelSignature('detModel', model([t('x', ['N', 3, 'H', 'W'], 'uint8')], [t('y', ['N', 1, 'H', 'W'])])),
      () => checkModelSignature('detModel', model([t('x', ['N', 1, 'H', 'W'])], [t('y', ['N', 1, 'H', 'W'])])),
      () => checkModelSignature('detModel', model([t('x', ['N', 3, 'H', 'W']), t('s', [2])], [t('y', ['N', 1, 'H', 'W'])])),
    ];
    for (const check of bad) expect(check).toThrow(expect.objectContaining({ code: ErrorCodes.MODEL_FORMAT }));
    expect(bad[5]).toThrow('has inputs x float32 [?,3,?,?], s float32 [2] and output y float32 [?,1,?,?]');
  });
});

describe('preprocessing from the model card', () => {
  it('takes the detector side limit from the card unless the option is given', async () => {
    const card = { ...PPOCR_V4_DET, id: 'ppocr-v4-det-640', input: { ...PPOCR_V4_DET.input, limitSideLen: 640 } };
    const fromCard = await Ocr.create({ detModel: card, useAngleCls: false });
    const given = await Ocr.create({ detModel: card, useAngleCls: false, limitSideLen: 800 });
    try {
      expect(fromCard.options.limitSideLen).toBe(640);
      expect(given.options.limitSideLen).toBe(800);
    } finally {
      await Promise.all([fromCard.dispose(), given.dispose()]);
    }
  });

  it('refuses a card whose input spec is malformed, naming the option', async () => {
    const card = { ...PPOCR_V4_DET, id: 'ppocr-v4-det-bad', input: { ...PPOCR_V4_DET.input, mean: [0.5, 0.5] } };
    await expect(Ocr.create({ detModel: card, useAngleCls: false })).rejects.toMatchObject({
      code: ErrorCodes.BAD_JSON,
      message: expect.stringContaining('detModel (--det-model): model card ppocr-v4-det-bad: input.mean must be 3 finite numbers'),
    });
  });
});
