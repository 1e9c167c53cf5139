import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cropImage,
  encodeImage,
  fitSize,
  imageToTensor,
  InvalidArgumentError,
  loadImage,
  padImage,
  resizeImage,
  resizeImageSync,
  resizeToTensor,
  rotateImage,
  saveImage,
  type RgbImage,
} from '../src';

/** Image from a list of [r, g, b] pixels, row-major. */
function rgb(width: number, height: number, pixels: number[][]): RgbImage {
  return { data: new Uint8Array(pixels.flat()), width, height };
}
/** Grey image as RGB (r = g = b = value). */
function grey(width: number, height: number, values: number[]): RgbImage {
  return rgb(width, height, values.map((v) => [v, v, v]));
}
function channel0(img: RgbImage): number[] {
  return Array.from(img.data.filter((_, i) => i % 3 === 0));
}

// 3x2 test image: pixel (x, y) = [10x + y, 100 + x, 200 + y].
const img3x2 = rgb(3, 2, [
  [0, 100, 200], [10, 101, 200], [20, 102, 200],
  [1, 100, 201], [11, 101, 201], [21, 102, 201],
]);

describe('resizeImage (cv2 INTER_LINEAR)', () => {
  it('upscales 2x1 -> 4x1 with half-pixel centres and edge clamping', async () => {
    // dst x=0 maps to -0.25 (clamped to 0), x=1 to 0.25, x=2 to 0.75, x=3 to 1.25 (clamped).
    // 0.25*255 = 63.75 -> 64 and 0.75*255 = 191.25 -> 191 through cv2's fixed point.
    const out = await resizeImage(grey(2, 1, [0, 255]), 4, 1);
    expect(channel0(out)).toEqual([0, 64, 191, 255]);
  });

  it('downscales 4x1 -> 2x1 by averaging neighbours at an exact 2x factor', () => {
    // (0+100)/2 = 50, (200+255)/2 = 227.5 -> 228 (cv2 rounds half up here).
    expect(channel0(resizeImageSync(grey(4, 1, [0, 100, 200, 255]), 2, 1))).toEqual([50, 228]);
  });

  it('keeps a constant image constant at any size, with both engines', async () => {
    const c = rgb(7, 5, Array.from({ length: 35 }, () => [37, 142, 251]));
    for (const [w, h] of [[3, 2], [13, 11], [1, 1], [7, 5], [20, 3]]) {
      for (const engine of ['cv2', 'sharp'] as const) {
        const out = await resizeImage(c, w, h, { engine });
        expect([out.width, out.height]).toEqual([w, h]);
        for (let i = 0; i < out.data.length; i += 3) expect([out.data[i], out.data[i + 1], out.data[i + 2]]).toEqual([37, 142, 251]);
      }
    }
  });

  it('interpolates a horizontal ramp linearly', () => {
    // 0, 10, ..., 90 resized 10 -> 19: interior samples sit at x = (i + 0.5) * 10/19 - 0.5.
    const out = resizeImageSync(grey(10, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]), 19, 1);
    const got = channel0(out);
    for (let i = 0; i < 19; i++) {
      const x = Math.min(Math.max((i + 0.5) * (10 / 19) - 0.5, 0), 9);
      expect(Math.abs(got[i] - 10 * x)).toBeLessThanOrEqual(1);
    }
  });

  it('matches cv2 on the top and bottom rows of a vertical upscale (regression)', () => {
    // Byte k = (37k + 11) % 256, 4x3 -> 6x7. Expected bytes computed once with OpenCV 4.6:
    //   cv2.resize(img, (6, 7), interpolation=cv2.INTER_LINEAR).ravel()
    // cv2 keeps the fractional row weight at the image border (both taps read the edge
    // row); zeroing it, as an earlier version did, was off by 1 on 15 of these bytes.
    const img: RgbImage = { data: new Uint8Array(36).map((_, k) => (k * 37 + 11) % 256), width: 4, height: 3 };
    const cv2 = [
      11, 48, 85, 66, 103, 140, 140, 135, 172, 214, 38, 75, 160, 69, 106, 88, 125, 162,
      38, 75, 75, 75, 112, 131, 131, 131, 168, 205, 59, 96, 151, 78, 115, 78, 115, 152,
      118, 155, 46, 101, 138, 101, 101, 120, 157, 175, 121, 158, 122, 104, 141, 49, 86, 123,
      199, 236, 17, 127, 164, 73, 72, 109, 146, 147, 184, 221, 93, 130, 167, 20, 57, 94,
      170, 207, 97, 152, 134, 98, 135, 80, 117, 135, 154, 191, 118, 155, 137, 100, 138, 65,
      141, 178, 178, 178, 105, 124, 197, 51, 88, 125, 125, 162, 144, 181, 108, 181, 218, 36,
      131, 168, 205, 186, 95, 132, 218, 41, 78, 121, 115, 152, 152, 189, 98, 208, 245, 26,
    ];
    expect(Array.from(resizeImageSync(img, 6, 7).data)).toEqual(cv2);
    const t = resizeToTensor(img, 6, 7, { layout: 'nhwc', channelOrder: 'rgb', scale: 1 });
    expect(Array.from(t)).toEqual(cv2);
  });

  it('writes into a given out buffer, with the same bytes as a fresh result', () => {
    const src: RgbImage = { data: new Uint8Array(37 * 11 * 3).map((_, i) => (i * 97) % 256), width: 37, height: 11 };
    const scratch = new Uint8Array(80 * 30 * 3).fill(9);
    for (const [w, h] of [[20, 5], [74, 22], [3, 30], [37, 11], [1, 1]]) {
      const expected = Array.from(resizeImageSync(src, w, h).data);
      const got = resizeImageSync(src, w, h, scratch);
      expect(got.data.buffer).toBe(scratch.buffer);
      expect(got.data.length).toBe(w * h * 3);
      expect(Array.from(got.data)).toEqual(expected);
    }
    // An exactly sized buffer is used as is.
    const exact = new Uint8Array(6 * 7 * 3);
    expect(resizeImageSync(img3x2, 6, 7, exact).data).toBe(exact);
  });

  it('gives the same result whatever was resized before (reused work buffers)', () => {
    const before = Array.from(resizeImageSync(img3x2, 5, 3).data);
    const wide: RgbImage = { data: new Uint8Array(500 * 4 * 3).map((_, i) => (i * 31) % 256), width: 500, height: 4 };
    resizeImageSync(wide, 900, 7);
    expect(Array.from(resizeImageSync(img3x2, 5, 3).data)).toEqual(before);
  });

  it('rejects bad sizes', async () => {
    expect(() => resizeImageSync(img3x2, 4, 4, new Uint8Array(47))).toThrow(/at least 48 bytes/);
    expect(() => resizeImageSync(img3x2, 4, 4, [] as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    await expect(resizeImage(img3x2, 0, 2)).rejects.toThrow(InvalidArgumentError);
    expect(() => resizeImageSync(img3x2, 2.5, 2)).toThrow(InvalidArgumentError);
    expect(() => resizeImageSync({ data: new Uint8Array(5), width: 3, height: 2 }, 2, 2)).toThrow(/expected 18/);
  });
});

describe('fitSize (PaddleOCR DetResizeForTest)', () => {
  it('limits the longer side and rounds to multiples of 32', () => {
    // 1280x720 * 0.75 = 960x540; 540/32 = 16.875 -> 17 -> 544.
    expect(fitSize(1280, 720, { limitSideLen: 960, limitType: 'max' })).toEqual({ width: 960, height: 544 });
  });
  it('does not upscale with max, and rounds halves to even like Python', () => {
    // 48/32 = 1.5 -> 2 -> 64; 80/32 = 2.5 -> 2 -> 64.
    expect(fitSize(48, 80, { limitSideLen: 960, limitType: 'max' })).toEqual({ width: 64, height: 64 });
  });
  it('grows the shorter side with min', () => {
    // ratio 736/50 = 14.72: 100 -> 1472, 50 -> 736, both multiples of 32.
    expect(fitSize(100, 50, { limitSideLen: 736, limitType: 'min' })).toEqual({ width: 1472, height: 736 });
  });
  it('never goes below minSide and honours multipleOf', () => {
    expect(fitSize(10, 10, { limitSideLen: 960, limitType: 'max' })).toEqual({ width: 32, height: 32 });
    // 1000x300 * 0.5 = 500x150; 500/8 = 62.5 -> 62 (half to even) -> 496; 150/8 = 18.75 -> 19 -> 152.
    expect(fitSize(1000, 300, { limitSideLen: 500, limitType: 'max', multipleOf: 8, minSide: 16 })).toEqual({ width: 496, height: 152 });
  });
  it('rejects bad options', () => {
    expect(() => fitSize(10, 10, { limitSideLen: 0, limitType: 'max' })).toThrow(InvalidArgumentError);
    expect(() => fitSize(10, 10, { limitSideLen: 960, limitType: 'long' as 'max' })).toThrow(InvalidArgumentError);
  });
});

describe('pad, crop, rotate', () => {
  it('pads with a colour', () => {
    const out = padImage(grey(1, 1, [9]), { top: 1, left: 2, value: [1, 2, 3] });
    expect([out.width, out.height]).toEqual([3, 2]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 9, 9, 9]);
    expect(padImage(img3x2, {}).data).toEqual(img3x2.data);
    expect(() => padImage(img3x2, { top: -1 })).toThrow(InvalidArgumentError);
    expect(() => padImage(img3x2, { value: [0, 0, 256] })).toThrow(InvalidArgumentError);
  });

  it('crops a rectangle and refuses one outside the image', () => {
    const out = cropImage(img3x2, { x: 1, y: 1, width: 2, height: 1 });
    expect(Array.from(out.data)).toEqual([11, 101, 201, 21, 102, 201]);
    expect(() => cropImage(img3x2, { x: 2, y: 0, width: 2, height: 1 })).toThrow(/exceeds the 3x2 image/);
    expect(() => cropImage(img3x2, { x: 0.5, y: 0, width: 1, height: 1 })).toThrow(InvalidArgumentError);
  });

  it('rotates clockwise by 90, 180 and 270 degrees', () => {
    const g = grey(3, 2, [1, 2, 3, 4, 5, 6]);
    // 1 2 3      cw90:  4 1     180: 6 5 4     270: 3 6
    // 4 5 6             5 2          3 2 1          2 5
    //                   6 3                         1 4
    expect(channel0(rotateImage(g, 90))).toEqual([4, 1, 5, 2, 6, 3]);
    expect(channel0(rotateImage(g, 180))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(channel0(rotateImage(g, 270))).toEqual([3, 6, 2, 5, 1, 4]);
    expect([rotateImage(g, 90).width, rotateImage(g, 90).height]).toEqual([2, 3]);
    expect(rotateImage(rotateImage(img3x2, 90), 270).data).toEqual(img3x2.data);
    expect(() => rotateImage(g, 45 as 90)).toThrow(InvalidArgumentError);
  });
});

describe('imageToTensor', () => {
  const two = rgb(2, 1, [[10, 20, 30], [40, 50, 60]]);

  it('writes NCHW, BGR, with mean/std indexed by output channel', () => {
    const mean: [number, number, number] = [0.485, 0.456, 0.406];
    const std: [number, number, number] = [0.229, 0.224, 0.225];
    const t = imageToTensor(two, { layout: 'nchw', channelOrder: 'bgr', mean, std });
    const expected = [
      (30 / 255 - 0.485) / 0.229, (60 / 255 - 0.485) / 0.229, // B plane
      (20 / 255 - 0.456) / 0.224, (50 / 255 - 0.456) / 0.224, // G plane
      (10 / 255 - 0.406) / 0.225, (40 / 255 - 0.406) / 0.225, // R plane
    ];
    expect(t).toHaveLength(6);
    expected.forEach((v, i) => expect(t[i]).toBeCloseTo(v, 5));
  });

  it('writes NHWC RGB with a custom scale', () => {
    const t = imageToTensor(two, { layout: 'nhwc', channelOrder: 'rgb', scale: 1, mean: [1, 2, 3], std: [2, 2, 2] });
    expect(Array.from(t)).toEqual([4.5, 9, 13.5, 19.5, 24, 28.5]);
  });

  it('fills a batch buffer at an offset without touching the rest', () => {
    const out = new Float32Array(14).fill(-7);
    const r1 = imageToTensor(two, { layout: 'nchw', channelOrder: 'rgb', scale: 1, out, offset: 1 });
    const r2 = imageToTensor(rgb(2, 1, [[1, 2, 3], [4, 5, 6]]), { layout: 'nchw', channelOrder: 'rgb', scale: 1, out, offset: 7 });
    expect(r1).toBe(out);
    expect(r2).toBe(out);
    expect(Array.from(out)).toEqual([-7, 10, 40, 20, 50, 30, 60, 1, 4, 2, 5, 3, 6, -7]);
    expect(() => imageToTensor(two, { layout: 'nchw', channelOrder: 'rgb', out, offset: 9 })).toThrow(/at least 15/);
    expect(() => imageToTensor(two, { layout: 'nchw', channelOrder: 'rgb', std: [1, 0, 1] })).toThrow(InvalidArgumentError);
  });
});

describe('resizeToTensor', () => {
  /** Deterministic pseudo-random image (LCG), with saturated runs to hit the rounding edges. */
  function noise(width: number, height: number, seed: number): RgbImage {
    const data = new Uint8Array(width * height * 3);
    let s = seed;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[i] = (s >>> 24) % 5 === 0 ? 255 : s >>> 24;
    }
    return { data, width, height };
  }
  const det = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

  it('equals imageToTensor(resizeImageSync(...)) bit for bit, up and down, both layouts', () => {
    const cases: [number, number, number, number][] = [[37, 23, 96, 64], [129, 71, 64, 32], [50, 40, 50, 17], [1, 1, 5, 3], [64, 48, 1, 1]];
    cases.forEach(([w, h, tw, th], k) => {
      const img = noise(w, h, k + 1);
      for (const layout of ['nchw', 'nhwc'] as const) {
        for (const channelOrder of ['rgb', 'bgr'] as const) {
          const o = { layout, channelOrder, ...det };
          const expected = imageToTensor(resizeImageSync(img, tw, th), o);
          const got = resizeToTensor(img, tw, th, o);
          expect(got).toHaveLength(expected.length);
          // toEqual on typed arrays compares element by element; also require identical bits.
          expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
        }
      }
    });
  });

  it('writes into a batch buffer at an offset, and handles the same size as imageToTensor', () => {
    const img = noise(9, 7, 3);
    const out = new Float32Array(2 + 3 * 4 * 5).fill(-7);
    expect(resizeToTensor(img, 5, 4, { layout: 'nchw', channelOrder: 'bgr', out, offset: 2 })).toBe(out);
    expect(Array.from(out.subarray(0, 2))).toEqual([-7, -7]);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(imageToTensor(resizeImageSync(img, 5, 4), { layout: 'nchw', channelOrder: 'bgr' })));
    const same = resizeToTensor(img, 9, 7, { layout: 'nhwc', channelOrder: 'rgb', scale: 1 });
    expect(Array.from(same)).toEqual(Array.from(img.data));
  });

  it('rejects bad sizes and options', () => {
    const img = noise(4, 4, 5);
    expect(() => resizeToTensor(img, 0, 4, { layout: 'nchw', channelOrder: 'rgb' })).toThrow(InvalidArgumentError);
    expect(() => resizeToTensor(img, 2, 2, { layout: 'chw' as 'nchw', channelOrder: 'rgb' })).toThrow(/resizeToTensor: layout/);
    expect(() => resizeToTensor(img, 2, 2, { layout: 'nchw', channelOrder: 'rgb', out: new Float32Array(3) })).toThrow(/at least 12/);
  });
});

describe('encodeImage / saveImage', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-image-save-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips PNG losslessly and JPEG approximately, leaving no temp files', async () => {
    await saveImage(img3x2, join(dir, 'a.png'));
    expect((await loadImage(join(dir, 'a.png'))).data).toEqual(img3x2.data);
    const flat = rgb(16, 16, Array.from({ length: 256 }, () => [200, 120, 40]));
    await saveImage(flat, join(dir, 'b.JPG'));
    const back = await loadImage(join(dir, 'b.JPG'));
    expect([back.width, back.height]).toEqual([16, 16]);
    for (let i = 0; i < back.data.length; i++) expect(Math.abs(back.data[i] - flat.data[i])).toBeLessThanOrEqual(3);
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'b.JPG']);
  });

  it('encodes to the requested format and rejects unknown ones', async () => {
    const png = await encodeImage(img3x2, 'png');
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const jpeg = await encodeImage(img3x2, 'jpeg', { quality: 50 });
    expect(Array.from(jpeg.subarray(0, 2))).toEqual([0xff, 0xd8]);
    await expect(encodeImage(img3x2, 'jpeg', { quality: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(saveImage(img3x2, join(dir, 'c.bmp'))).rejects.toThrow(/\.png, \.jpg or \.jpeg/);
  });
});
