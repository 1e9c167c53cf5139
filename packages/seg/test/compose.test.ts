import sharp from 'sharp';
import { isModelkitError } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import { ID_PHOTO_COLORS, cutout, cutoutPixels, encodeMaskPng, overlayMask, parseColor, replaceBackground } from '../src';
import type { SegMask } from '../src';

// 4x1 photo: four distinct colours; mask: 0, 0.25, 0.5, 1.
const photo: RgbImage = { data: Uint8Array.from([200, 100, 0, 10, 20, 30, 255, 255, 255, 0, 0, 0]), width: 4, height: 1 };
const mask: SegMask = { data: Float32Array.from([0, 0.25, 0.5, 1]), width: 4, height: 1 };

function expectInvalid(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isModelkitError(err, 'E_INVALID_ARGUMENT')).toBe(true);
}

describe('colours', () => {
  it('parses hex, short hex, presets and triples', () => {
    expect(parseColor('#438EDB')).toEqual([0x43, 0x8e, 0xdb]);
    expect(parseColor('438edb')).toEqual([0x43, 0x8e, 0xdb]);
    expect(parseColor('#f00')).toEqual([255, 0, 0]);
    expect(parseColor('blue')).toEqual(parseColor(ID_PHOTO_COLORS.blue));
    expect(parseColor('White')).toEqual([255, 255, 255]);
    expect(parseColor('red')).toEqual([255, 0, 0]);
    expect(parseColor([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('rejects anything else', () => {
    for (const bad of ['#12345', 'green', '#GGGGGG', [1, 2], [0, 0, 256]]) expectInvalid(() => parseColor(bad as never));
  });
});

describe('replaceBackground', () => {
  it('blends photo and colour by the mask: out = a*photo + (1-a)*bg', async () => {
    const out = await replaceBackground(photo, mask, { color: '#438EDB' });
    const [r, g, b] = [0x43, 0x8e, 0xdb];
    const blend = (p: number, c: number, a: number) => Math.round(p * a + c * (1 - a));
    expect(Array.from(out.data)).toEqual([
      r, g, b,
      blend(10, r, 0.25), blend(20, g, 0.25), blend(30, b, 0.25),
      blend(255, r, 0.5), blend(255, g, 0.5), blend(255, b, 0.5),
      0, 0, 0,
    ]);
    // The input is untouched.
    expect(photo.data[0]).toBe(200);
  });

  it('accepts a byte mask and an ID-photo preset', async () => {
    const out = await replaceBackground(photo, { data: Uint8Array.from([0, 0, 255, 255]), width: 4, height: 1 }, { color: 'red' });
    expect(Array.from(out.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255, 255, 0, 0, 0]);
  });

  it('uses a background image scaled to cover', async () => {
    // A 2x2 uniform green background is scaled to cover the 4x1 photo.
    const bg: RgbImage = { data: new Uint8Array(12).fill(0).map((_, i) => (i % 3 === 1 ? 200 : 0)), width: 2, height: 2 };
    const out = await replaceBackground(photo, mask, { image: bg });
    expect(Array.from(out.data.slice(0, 3))).toEqual([0, 200, 0]);
    expect(Array.from(out.data.slice(9, 12))).toEqual([0, 0, 0]);
  });

  it('rejects a mask of another size and a bad background', async () => {
    await expect(replaceBackground(photo, { data: new Float32Array(3), width: 3, height: 1 }, { color: 'white' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(replaceBackground(photo, mask, { color: 'mauve' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(replaceBackground(photo, mask, {} as never)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});

describe('cutout and visualisation', () => {
  it('cutout: RGBA with the mask as alpha, PNG decodes to the same pixels', async () => {
    const px = cutoutPixels(photo, mask);
    expect(Array.from(px.data)).toEqual([200, 100, 0, 0, 10, 20, 30, 64, 255, 255, 255, 128, 0, 0, 0, 255]);
    const png = await cutout(photo, mask);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(Array.from(data)).toEqual(Array.from(px.data));
  });

  it('overlay tints in proportion to the mask', () => {
    const out = overlayMask(photo, mask, { color: '#0000FF', opacity: 1 });
    expect(Array.from(out.data.slice(0, 3))).toEqual([200, 100, 0]);
    expect(Array.from(out.data.slice(9, 12))).toEqual([0, 0, 255]);
    expectInvalid(() => overlayMask(photo, mask, { opacity: 2 }));
  });

  it('encodeMaskPng writes a one-channel 0..255 PNG', async () => {
    const png = await encodeMaskPng(mask);
    expect((await sharp(png).metadata()).channels).toBe(1);
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual([0, 64, 128, 255]);
  });
});
