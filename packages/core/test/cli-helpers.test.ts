import { PassThrough } from 'node:stream';
import { ImageError, ErrorCodes, flagNumber, flagSession, flagString, forEachImage, outputPathFor, roundTo } from '../src';

function memoryIO(): { io: { stdout: PassThrough; stderr: PassThrough; interactive: boolean }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  stdout.on('data', (c: Buffer) => o.push(c));
  stderr.on('data', (c: Buffer) => e.push(c));
  return { io: { stdout, stderr, interactive: false }, out: () => Buffer.concat(o).toString(), err: () => Buffer.concat(e).toString() };
}

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

  it('outputPathFor and roundTo', () => {
    expect(outputPathFor('out', 'photos/street.v2.jpg', '.det.png')).toBe('out/street.v2.det.png');
    expect(roundTo(0.123456, 4)).toBe(0.1235);
  });
});

describe('forEachImage', () => {
  const bad = (image: string): Promise<void> => Promise.reject(new ImageError(ErrorCodes.IMAGE_DECODE, `cannot decode ${image}`));

  it('runs every image, reports typed failures as text, and exits 1 when one failed', async () => {
    const m = memoryIO();
    const seen: string[] = [];
    const code = await forEachImage(['a.png', 'b.png', 'c.png'], m.io, {}, async (image) => {
      seen.push(image);
      if (image === 'b.png') await bad(image);
    });
    expect(code).toBe(1);
    expect(seen).toEqual(['a.png', 'b.png', 'c.png']);
    expect(m.err()).toBe('b.png: E_IMAGE_DECODE: cannot decode b.png\n');
    expect(await forEachImage(['a.png'], m.io, {}, async () => undefined)).toBe(0);
  });

  it('reports failures as JSON lines with json, and lets non-modelkit errors through', async () => {
    const m = memoryIO();
    expect(await forEachImage(['b.png'], m.io, { json: true }, bad)).toBe(1);
    expect(JSON.parse(m.out())).toMatchObject({ image: 'b.png', error: { code: 'E_IMAGE_DECODE' } });
    await expect(forEachImage(['a.png'], m.io, {}, () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
  });
});
