import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ErrorCodes, ImageError, InvalidArgumentError, loadImage, toRgbImage, type RgbImage } from '../src';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelkit-image-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function px(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(i, i + 3));
}

/** Expects `p` to reject with an ImageError of `code` whose message contains `name`. */
async function expectImageError(p: Promise<unknown>, code: string, name: string): Promise<ImageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  expect((err as ImageError).code).toBe(code);
  expect((err as ImageError).message).toContain(name);
  return err as ImageError;
}

// Minimal CRC-32 for crafting PNG chunks by hand.
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

describe('loadImage: raw pixels', () => {
  it('expands grey to RGB', async () => {
    const img = await loadImage({ data: new Uint8Array([0, 50, 100, 255]), width: 2, height: 2, channels: 1 });
    expect(img.width).toBe(2);
    expect(img.height).toBe(2);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 255, 255, 255]);
  });

  it('drops alpha without compositing (like cv2.imread IMREAD_COLOR)', async () => {
    const img = await loadImage({ data: new Uint8ClampedArray([10, 20, 30, 0, 40, 50, 60, 255]), width: 2, height: 1, channels: 4 });
    expect(Array.from(img.data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('copies 3-channel input instead of aliasing it', async () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const img = await loadImage({ data, width: 1, height: 2, channels: 3 });
    data[0] = 99;
    expect(Array.from(img.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a length that does not match the size, and bad channel counts', async () => {
    await expect(loadImage({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 })).rejects.toThrow(InvalidArgumentError);
    await expect(loadImage({ data: new Uint8Array(4), width: 2, height: 1, channels: 2 as 3 })).rejects.toThrow(/channels must be 1, 3 or 4/);
  });

  it('applies the pixel cap to raw pixels too', async () => {
    const raw = { data: new Uint8Array(300), width: 10, height: 10, channels: 3 as const };
    await expectImageError(loadImage(raw, { maxPixels: 99, name: 'frame-7' }), ErrorCodes.IMAGE_TOO_LARGE, 'frame-7');
    await expect(loadImage(raw, { maxPixels: 100 })).resolves.toMatchObject({ width: 10, height: 10 });
  });

  it('rejects a non-image input with InvalidArgumentError', async () => {
    await expect(loadImage(42 as unknown as string)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('loadImage: encoded images', () => {
  it('decodes a PNG losslessly from a path and from a buffer', async () => {
    const raw = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 7, 8, 9, 100, 110, 120, 200, 210, 220]);
    const png = await sharp(raw, { raw: { width: 3, height: 2, channels: 3 } }).png().toBuffer();
    const file = join(dir, 'rgb.png');
    writeFileSync(file, png);
    for (const img of [await loadImage(file), await loadImage(png), await loadImage(new Uint8Array(png))]) {
      expect(img.width).toBe(3);
      expect(img.height).toBe(2);
      expect(Array.from(img.data)).toEqual(Array.from(raw));
    }
  });

  it('turns a 1-channel grey PNG into R=G=B', async () => {
    const png = await sharp(new Uint8Array([0, 128, 255]), { raw: { width: 3, height: 1, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const img = await loadImage(png);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  });

  it('drops the alpha of an RGBA PNG and keeps the stored colour', async () => {
    const rgba = new Uint8Array([10, 20, 30, 128, 200, 100, 50, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(4);
    expect(Array.from((await loadImage(png)).data)).toEqual([10, 20, 30, 200, 100, 50]);
  });

  it('reduces 16-bit to 8-bit by the high byte (as cv2.imread does)', async () => {
    const px16 = new Uint16Array([0x40ff, 0x8080, 0xffff, 0x1234, 0x0000, 0x00ff]);
    const png16 = await sharp(px16, { raw: { width: 2, height: 1, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expect(Array.from((await loadImage(png16)).data)).toEqual([0x40, 0x80, 0xff, 0x12, 0x00, 0x00]);
  });

  it('honours EXIF orientation 6 (rotate 90 degrees clockwise to display)', async () => {
    // 32x16 stored: left half red, right half blue. Displayed upright: 16x32, red on top.
    const w = 32;
    const h = 16;
    const raw = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    }
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = await loadImage(jpeg);
    expect([img.width, img.height]).toEqual([16, 32]);
    const top = px(img, 8, 4);
    const bottom = px(img, 8, 27);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });
});

describe('loadImage: bad input', () => {
  it('refuses an image over maxPixels', async () => {
    const png = await sharp({ create: { width: 100, height: 50, channels: 3, background: '#808080' } }).png().toBuffer();
    const file = join(dir, 'big.png');
    writeFileSync(file, png);
    const err = await expectImageError(loadImage(file, { maxPixels: 4999 }), ErrorCodes.IMAGE_TOO_LARGE, file);
    expect(err.details).toMatchObject({ width: 100, height: 50, maxPixels: 4999 });
    await expect(loadImage(file, { maxPixels: 5000 })).resolves.toMatchObject({ width: 100, height: 50 });
  });

  it('reads the cap from MODELKIT_MAX_PIXELS', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
    const saved = process.env.MODELKIT_MAX_PIXELS;
    try {
      process.env.MODELKIT_MAX_PIXELS = '99';
      await expectImageError(loadImage(png), ErrorCodes.IMAGE_TOO_LARGE, '<buffer>');
      process.env.MODELKIT_MAX_PIXELS = 'lots';
      await expect(loadImage(png)).rejects.toThrow(/MODELKIT_MAX_PIXELS/);
    } finally {
      if (saved === undefined) delete process.env.MODELKIT_MAX_PIXELS;
      else process.env.MODELKIT_MAX_PIXELS = saved;
    }
  });

  it('checks the cap from the header, before decoding any pixel', async () => {
    // A PNG that claims 40000x40000 (1.6 GP) but carries garbage instead of pixel data:
    // if we decoded first this would be E_IMAGE_DECODE (or exhaust memory), not TOO_LARGE.
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(40000, 0);
    ihdr.writeUInt32BE(40000, 4);
    ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', new Uint8Array([1, 2, 3, 4])),
      pngChunk('IEND', new Uint8Array(0)),
    ]);
    const err = await expectImageError(loadImage(png, { name: 'huge.png' }), ErrorCodes.IMAGE_TOO_LARGE, 'huge.png');
    expect(err.message).toContain('40000x40000');
    expect(err.message).toContain('100000000');
    // With a cap large enough the same bytes are a decode error: the header check ran first.
    await expectImageError(loadImage(png, { name: 'huge.png', maxPixels: 2e9 }), ErrorCodes.IMAGE_DECODE, 'huge.png');
  });

  it('refuses zero-byte files and buffers', async () => {
    const file = join(dir, 'empty.jpg');
    writeFileSync(file, Buffer.alloc(0));
    await expectImageError(loadImage(file), ErrorCodes.IMAGE_EMPTY, file);
    await expectImageError(loadImage(Buffer.alloc(0)), ErrorCodes.IMAGE_EMPTY, '<buffer>');
    await expectImageError(loadImage(new Uint8Array(0), { name: 'upload#3' }), ErrorCodes.IMAGE_EMPTY, 'upload#3');
  });

  it('reports a missing file and a directory as E_FILE_NOT_FOUND', async () => {
    const missing = join(dir, 'nope', 'missing.png');
    const err = await expectImageError(loadImage(missing), ErrorCodes.FILE_NOT_FOUND, missing);
    expect(err.message).toContain('does not exist');
    const sub = join(dir, 'a-directory.png');
    mkdirSync(sub);
    await expectImageError(loadImage(sub), ErrorCodes.FILE_NOT_FOUND, sub);
  });

  it('reports random bytes as E_IMAGE_DECODE', async () => {
    const file = join(dir, 'random.png');
    const bytes = Buffer.alloc(2048);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = s >> 16;
    }
    writeFileSync(file, bytes);
    await expectImageError(loadImage(file), ErrorCodes.IMAGE_DECODE, file);
  });

  it('reports truncated PNG and JPEG files as E_IMAGE_DECODE (no partial decode)', async () => {
    // Noise so the compressed data is large and the cut lands inside the pixel data.
    const w = 64;
    const h = 64;
    const raw = new Uint8Array(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
    const png = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg().toBuffer();
    for (const [name, bytes] of [
      ['cut.png', png],
      ['cut.jpg', jpeg],
    ] as const) {
      const file = join(dir, name);
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
      // The header survives the cut, so this is a pixel-data failure, not a header one.
      expect((await sharp(cut).metadata()).width).toBe(w);
      writeFileSync(file, cut);
      await expectImageError(loadImage(file), ErrorCodes.IMAGE_DECODE, file);
      await expect(loadImage(bytes)).resolves.toMatchObject({ width: w, height: h });
    }
  });
});

describe('toRgbImage', () => {
  it('returns a well-formed RgbImage as is, decodes anything else, and explains a malformed one', async () => {
    const img = { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
    expect(await toRgbImage(img)).toBe(img);
    const png = await sharp(Buffer.from(img.data), { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer();
    expect(await toRgbImage(png)).toEqual({ data: img.data, width: 2, height: 1 });
    await expect(toRgbImage({ data: new Uint8Array(5), width: 2, height: 1 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
