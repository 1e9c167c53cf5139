import { nanoDetSpec, NANODET_G_416, preprocess, toImageBox } from '../src';
import type { RgbImage } from '@modelkit/core';

const spec = nanoDetSpec(NANODET_G_416);

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height };
}

describe('preprocess', () => {
  it('reads NanoDet-g spec from the card', () => {
    expect(spec).toMatchObject({ width: 416, height: 416, channelOrder: 'bgr', scale: 1, strides: [8, 16, 32], regMax: 10, centerOffset: 0.5, resize: 'letterbox' });
  });

  it('resize: BGR planes normalised with NanoDet mean/std', async () => {
    const { tensor, transform } = await preprocess(solid(100, 50, [255, 0, 0]), spec, 'resize');
    const plane = 416 * 416;
    expect(tensor).toHaveLength(3 * plane);
    expect(tensor[0]).toBeCloseTo((0 - 103.53) / 57.375, 5); // blue
    expect(tensor[plane]).toBeCloseTo((0 - 116.28) / 57.12, 5); // green
    expect(tensor[2 * plane + 1234]).toBeCloseTo((255 - 123.675) / 58.395, 5); // red
    expect(transform).toEqual({ scaleX: 4.16, scaleY: 8.32, padLeft: 0, padTop: 0, width: 100, height: 50 });
    expect(toImageBox([41.6, 83.2, 416, 416], transform)).toEqual([10, 10, 100, 50]);
  });

  it('letterbox: keeps the ratio, pads centred with black, maps boxes back', async () => {
    const { tensor, transform } = await preprocess(solid(100, 50, [255, 255, 255]), spec, 'letterbox');
    expect(transform).toEqual({ scaleX: 4.16, scaleY: 4.16, padLeft: 0, padTop: 104, width: 100, height: 50 });
    const plane = 416 * 416;
    // Row 50 is padding (black), row 200 is image (white).
    expect(tensor[50 * 416 + 7]).toBeCloseTo(-103.53 / 57.375, 5);
    expect(tensor[200 * 416 + 7]).toBeCloseTo((255 - 103.53) / 57.375, 5);
    expect(tensor[2 * plane + 400 * 416]).toBeCloseTo(-123.675 / 58.395, 5);
    const box = toImageBox([41.6, 104 + 41.6, 208, 312], transform);
    [10, 10, 50, 50].forEach((v, i) => expect(box[i]).toBeCloseTo(v, 9));
    // Boxes reaching into the padding are clamped to the image.
    expect(toImageBox([-5, 0, 500, 416], transform)).toEqual([0, 0, 100, 50]);
  });
});
