import { cropImage, InvalidArgumentError, quadCropSize, rotateImage, warpQuad, type QuadPoints, type RgbImage } from '../src';

/** Image whose channels are linear in x and y, so bilinear sampling of it is exact. */
function linearImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = 2 * x + 10; // R = 2x + 10
      data[i + 1] = 3 * y + 5; // G = 3y + 5
      data[i + 2] = x + y; // B = x + y
    }
  }
  return { data, width, height };
}

/** Pseudo-random image (deterministic). */
function noiseImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = s >> 16;
  }
  return { data, width, height };
}

describe('warpQuad', () => {
  it('uses PaddleOCR get_rotate_crop_image output size', () => {
    // |tl-tr| = 6, |br-bl| = sqrt(16+1) = 4.12 -> width 6; |tl-bl| = sqrt(1+9) = 3.16,
    // |tr-br| = sqrt(1+16) = 4.12 -> height 4 (max, then truncated).
    expect(quadCropSize([[0, 0], [6, 0], [5, 4], [1, 3]])).toEqual({ width: 6, height: 4 });
    // A rotated 5x3.16 quad: |tl-tr| = |br-bl| = 5, |tl-bl| = |tr-br| = sqrt(10).
    expect(quadCropSize([[0, 0], [3, 4], [2, 7], [-1, 3]])).toEqual({ width: 5, height: 3 });
  });

  it('equals cropImage for an axis-aligned quad, with both interpolations', () => {
    const img = noiseImage(23, 17);
    const rect = { x: 4, y: 3, width: 12, height: 9 };
    const quad: QuadPoints = [[4, 3], [16, 3], [16, 12], [4, 12]];
    const expected = cropImage(img, rect);
    for (const interpolation of ['bilinear', 'bicubic'] as const) {
      const out = warpQuad(img, quad, undefined, { interpolation });
      expect([out.width, out.height]).toEqual([12, 9]);
      expect(out.data).toEqual(expected.data);
    }
  });

  it('samples a rotated quad at the expected source positions', () => {
    const img = linearImage(80, 60);
    // A 40x20 rectangle centred at (40, 30), rotated by 30 degrees.
    const a = (30 * Math.PI) / 180;
    const u = [Math.cos(a), Math.sin(a)];
    const v = [-Math.sin(a), Math.cos(a)];
    const tl: [number, number] = [40 - 20 * u[0] - 10 * v[0], 30 - 20 * u[1] - 10 * v[1]];
    const quad: QuadPoints = [
      tl,
      [tl[0] + 40 * u[0], tl[1] + 40 * u[1]],
      [tl[0] + 40 * u[0] + 20 * v[0], tl[1] + 40 * u[1] + 20 * v[1]],
      [tl[0] + 20 * v[0], tl[1] + 20 * v[1]],
    ];
    const out = warpQuad(img, quad);
    // Side lengths are 40 and 20 up to float error: truncation gives 39/40 and 19/20.
    expect(out.width).toBeGreaterThanOrEqual(39);
    expect(out.width).toBeLessThanOrEqual(40);
    expect(out.height).toBeGreaterThanOrEqual(19);
    expect(out.height).toBeLessThanOrEqual(20);
    let worst = 0;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        // Output (x, y) samples tl + x/W * (tr - tl) + y/H * (bl - tl).
        const sx = tl[0] + (x / out.width) * 40 * u[0] + (y / out.height) * 20 * v[0];
        const sy = tl[1] + (x / out.width) * 40 * u[1] + (y / out.height) * 20 * v[1];
        const i = (y * out.width + x) * 3;
        worst = Math.max(worst, Math.abs(out.data[i] - (2 * sx + 10)), Math.abs(out.data[i + 1] - (3 * sy + 5)), Math.abs(out.data[i + 2] - (sx + sy)));
      }
    }
    // 1/32-pixel position rounding times a slope of up to 3, plus rounding to integers.
    expect(worst).toBeLessThanOrEqual(1.2);
  });

  it('maps the corners of a perspective quad and replicates the border outside the image', () => {
    const img = linearImage(50, 40);
    const quad: QuadPoints = [[5, 4], [45, 8], [40, 36], [10, 30]];
    const out = warpQuad(img, quad, { width: 30, height: 20 });
    const at = (x: number, y: number): number[] => Array.from(out.data.subarray((y * 30 + x) * 3, (y * 30 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([2 * 5 + 10, 3 * 4 + 5, 9]);
    // A quad hanging off the left/top edge: samples clamp to column/row 0.
    const off = warpQuad(img, [[-10, -10], [10, -10], [10, 10], [-10, 10]]);
    expect([off.width, off.height]).toEqual([20, 20]);
    expect(Array.from(off.data.subarray(0, 3))).toEqual([10, 5, 0]);
  });

  it('equals rotateImage(90) for a quad that starts at the bottom-left corner', () => {
    const img = noiseImage(9, 5);
    // Output x runs up the source's left column, output y runs right: output (x, y) samples
    // source (y, 4 - x), which is a clockwise quarter turn.
    const out = warpQuad(img, [[0, 4], [0, -1], [9, -1], [9, 4]], { width: 5, height: 9 });
    expect(out.data).toEqual(rotateImage(img, 90).data);
  });

  it('rejects degenerate quads and bad sizes', () => {
    const img = noiseImage(8, 8);
    expect(() => warpQuad(img, [[0, 0], [4, 0], [8, 0], [2, 0]], { width: 4, height: 4 })).toThrow(InvalidArgumentError);
    expect(() => warpQuad(img, [[1, 1], [1.5, 1], [1.5, 1.5], [1, 1.5]])).toThrow(/output width/);
    expect(() => warpQuad(img, [[0, 0], [1, 0]] as unknown as QuadPoints)).toThrow(/4 \[x, y\] points/);
  });

  it('equals cv2.warpPerspective (BORDER_REPLICATE) on a quad reaching outside the image', () => {
    // Reference bytes from OpenCV 4.6 (python3-opencv): M = getPerspectiveTransform(quad ->
    // 8x6 rectangle), warpPerspective(src, M, (8, 6), INTER_CUBIC / INTER_LINEAR,
    // borderMode=BORDER_REPLICATE). The quad sticks out on every side (clamped taps) and the
    // bicubic overshoots past 0..255 on some pixels (saturation).
    const width = 9;
    const height = 7;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = ((x * 37 + y * 91 + c * 53) * 7) % 256;
      }
    }
    const quad: QuadPoints = [[-1.3, 0.6], [7.9, -0.4], [9.6, 5.8], [0.2, 7.3]];
    const cv2Cubic = [
      62, 205, 137, 47, 184, 158, 39, 167, 184, 36, 150, 208, 21, 136, 230, 11, 125, 247, 7, 137, 255, 7, 150, 255,
      234, 140, 195, 219, 169, 168, 158, 197, 148, 106, 227, 126, 130, 245, 115, 140, 255, 114, 139, 7, 122, 128, 26, 141,
      135, 219, 109, 170, 196, 136, 91, 170, 169, 12, 146, 202, 17, 132, 223, 10, 125, 239, 16, 108, 240, 37, 95, 227,
      241, 106, 215, 221, 130, 196, 217, 162, 173, 192, 196, 147, 104, 226, 125, 132, 247, 112, 137, 255, 114, 127, 93, 133,
      113, 228, 87, 125, 223, 99, 157, 201, 130, 139, 176, 163, 0, 145, 201, 12, 128, 226, 8, 123, 238, 21, 100, 234,
      248, 86, 222, 239, 104, 213, 217, 133, 191, 202, 169, 164, 201, 204, 136, 117, 229, 119, 133, 248, 109, 135, 251, 115,
    ];
    const cv2Linear = [
      74, 189, 152, 59, 174, 169, 46, 161, 188, 34, 149, 208, 22, 137, 228, 14, 129, 244, 17, 132, 247, 20, 135, 250,
      211, 150, 185, 192, 171, 166, 141, 191, 154, 100, 215, 138, 120, 235, 126, 140, 255, 114, 127, 18, 133, 111, 42, 157,
      148, 207, 122, 169, 188, 143, 108, 172, 167, 42, 157, 192, 29, 144, 211, 13, 128, 235, 25, 116, 231, 49, 100, 215,
      232, 115, 206, 211, 142, 185, 195, 166, 169, 169, 190, 153, 99, 214, 137, 123, 238, 121, 131, 246, 121, 115, 98, 145,
      113, 228, 87, 136, 211, 110, 165, 192, 139, 145, 176, 163, 41, 156, 191, 25, 140, 215, 8, 123, 238, 32, 110, 222,
      238, 97, 212, 238, 105, 212, 218, 133, 192, 198, 161, 172, 178, 189, 152, 102, 213, 136, 126, 241, 116, 125, 240, 123,
    ];
    const size = { width: 8, height: 6 };
    expect(Array.from(warpQuad({ data, width, height }, quad, size, { interpolation: 'bicubic' }).data)).toEqual(cv2Cubic);
    expect(Array.from(warpQuad({ data, width, height }, quad, size, { interpolation: 'bilinear' }).data)).toEqual(cv2Linear);
  });
});
