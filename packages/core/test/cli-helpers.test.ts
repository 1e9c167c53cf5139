import { createMemoryIO, ImageError, ErrorCodes, flagNumber, flagSession, flagString, forEachInput, roundTo } from '../src';

describe('CLI flag readers', () => {
  it('read numbers from numbers or numeric strings and name the flag in usage errors', () => {
    expect(flagNumber({ boxThresh: '0.5' }, 'boxThresh')).toBe(0.5);
    expect(flagNumber({ boxThresh: 2 }, 'boxThresh')).toBe(2);
    expect(flagNumber({ boxThresh: '' }, 'boxThresh')).toBeUndefined();
    expect(() => flagNumber({ boxThresh: 'abc' }, 'boxThresh')).toThrow(expect.objectContaining({ code: 'E_USAGE', message: '--box-thresh must be a number, got abc' }));
    expect(() => flagNumber({ boxThresh: true }, 'boxThresh')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(flagString({ model: 'x.onnx', n: 3 }, 'model')).toBe('x.onnx');
    expect(flagString({ n: 3 }, 'n')).toBeUndefined();
    expect(flagSession({ threads: '2' })).toEqual({ threads: 2 });
    expect(flagSession({})).toBeUndefined();
  });

  it('roundTo', () => {
    expect(roundTo(0.123456, 4)).toBe(0.1235);
  });
});

describe('forEachInput', () => {
  const bad = (image: string): Promise<void> => Promise.reject(new ImageError(ErrorCodes.IMAGE_DECODE, `cannot decode ${image}`));

  it('runs every image, reports typed failures as text, and exits 1 when one failed', async () => {
    const m = createMemoryIO();
    const seen: string[] = [];
    const code = await forEachInput(['a.png', 'b.png', 'c.png'], m, {}, async (image: string) => {
      seen.push(image);
      if (image === 'b.png') await bad(image);
    });
    expect(code).toBe(1);
    expect(seen).toEqual(['a.png', 'b.png', 'c.png']);
    expect(m.err()).toBe('b.png: E_IMAGE_DECODE: cannot decode b.png\n');
    expect(await forEachInput(['a.png'], m, {}, async () => undefined)).toBe(0);
  });

  it('reports failures as JSON lines with json, and lets non-modelkit errors through', async () => {
    const m = createMemoryIO();
    expect(await forEachInput(['b.png'], m, { json: true }, bad)).toBe(1);
    expect(JSON.parse(m.out())).toMatchObject({ image: 'b.png', error: { code: 'E_IMAGE_DECODE' } });
    await expect(forEachInput(['a.png'], m, {}, () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
  });
});
