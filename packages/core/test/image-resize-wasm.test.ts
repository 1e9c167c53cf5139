import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { imageToTensor, resizeImageSync, resizeToTensor, type RgbImage, type TensorLayoutOptions } from '../src';
import { setWasmResizeEnabled, wasmResizeActive } from '../src/image/resize-wasm';
import { RESIZE_WASM_BASE64 } from '../src/image/wasm/resize-wasm-bytes';

// The WebAssembly resize kernel against the JS path it replaces (the reference, itself
// checked against OpenCV in image-ops.test.ts and tools/bench/image-ops.ts): same bytes,
// same float bits, for every size class the kernel treats differently.

/** Deterministic xorshift32 bytes, so failures reproduce. */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed | 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { data, width, height };
}

function withWasm<T>(on: boolean, fn: () => T): T {
  const previous = setWasmResizeEnabled(on);
  try {
    return fn();
  } finally {
    setWasmResizeEnabled(previous);
  }
}

/** Index of the first differing element (-1 when equal), so a failure says where. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);

// [source w, h, target w, h]: 1xN, Nx1, 1x1, shrink, grow, mixed, exact 2x and 1/2, text
// lines to height 48, and the OCR det sizes.
const fixedCases: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 1, 7, 5], [1, 9, 1, 4], [9, 1, 4, 1], [1, 30, 3, 60], [30, 1, 60, 3],
  [5, 5, 1, 1], [2, 2, 4, 4], [3, 2, 6, 7], [4, 4, 2, 2], [64, 32, 128, 64], [128, 64, 64, 32],
  [17, 13, 16, 12], [16, 12, 17, 13], [5, 3, 300, 2], [300, 2, 5, 3], [33, 33, 34, 34],
  [301, 41, 352, 48], [640, 37, 831, 48], [120, 300, 19, 48], [1280, 720, 960, 544],
  [1600, 1200, 960, 736], [400, 3000, 96, 736],
];

describe('WebAssembly resize kernel', () => {
  it('is what runs here (Node 20 has WebAssembly SIMD128) and can be switched off', () => {
    expect(wasmResizeActive()).toBe(true);
    withWasm(false, () => expect(wasmResizeActive()).toBe(false));
  });

  it('is the committed compilation of resize.wat', async () => {
    const wabt = await wabtInit();
    const wat = readFileSync(join(__dirname, '../src/image/wasm/resize.wat'), 'utf8');
    const mod = wabt.parseWat('resize.wat', wat, { simd: true });
    try {
      mod.validate();
      const built = Buffer.from(mod.toBinary({ write_debug_names: false }).buffer);
      const committed = Buffer.from(RESIZE_WASM_BASE64, 'base64');
      expect(createHash('sha256').update(committed).digest('hex')).toBe(createHash('sha256').update(built).digest('hex'));
      const header = readFileSync(join(__dirname, '../src/image/wasm/resize-wasm-bytes.ts'), 'utf8');
      expect(header).toContain(`sha256 ${createHash('sha256').update(built).digest('hex')}`);
    } finally {
      mod.destroy();
    }
  });

  it('resizes byte for byte like the JS path on fixed and 300 random sizes', () => {
    const cases = [...fixedCases];
    let s = 12345;
    const next = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return 1 + ((s >>> 8) % n);
    };
    for (let i = 0; i < 300; i++) {
      const max = i < 200 ? 40 : 400;
      cases.push([next(max), next(max), next(max), next(max)]);
    }
    cases.forEach(([sw, sh, w, h], i) => {
      const img = randomImage(sw, sh, i + 1);
      const js = withWasm(false, () => resizeImageSync(img, w, h)).data;
      const wasm = withWasm(true, () => resizeImageSync(img, w, h)).data;
      expect({ size: `${sw}x${sh}->${w}x${h}`, firstDiff: firstDiff(wasm, js) }).toEqual({ size: `${sw}x${sh}->${w}x${h}`, firstDiff: -1 });
    });
  });

  it('keeps the extremes exact (all 0, all 255, 0/255 stripes)', () => {
    for (const [sw, sh, w, h] of [[7, 5, 19, 13], [300, 40, 360, 48], [64, 64, 31, 33]]) {
      const imgs = [0, 255, -1].map((v) => {
        const data = new Uint8Array(sw * sh * 3);
        for (let i = 0; i < data.length; i++) data[i] = v >= 0 ? v : ((i / 3) | 0) % 2 ? 255 : 0;
        return { data, width: sw, height: sh };
      });
      for (const img of imgs) {
        const js = withWasm(false, () => resizeImageSync(img, w, h)).data;
        expect(firstDiff(withWasm(true, () => resizeImageSync(img, w, h)).data, js)).toBe(-1);
      }
    }
  });

  it('builds the same float32 tensors bit for bit, both layouts and channel orders, at an offset', () => {
    const layouts: TensorLayoutOptions[] = [
      { layout: 'nchw', channelOrder: 'bgr', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      { layout: 'nchw', channelOrder: 'rgb', scale: 1 / 127.5, mean: [1, 1, 1] },
      { layout: 'nhwc', channelOrder: 'rgb', scale: 1 },
      { layout: 'nhwc', channelOrder: 'bgr', scale: 0.7, mean: [-3, 0.1, 1e-3], std: [3, 0.01, 7] },
    ];
    const sizes: [number, number, number, number][] = [[1, 1, 3, 2], [9, 1, 1, 9], [37, 23, 64, 32], [301, 41, 352, 48], [1280, 720, 960, 544]];
    sizes.forEach(([sw, sh, w, h], i) => {
      const img = randomImage(sw, sh, 99 + i);
      for (const o of layouts) {
        const js = withWasm(false, () => resizeToTensor(img, w, h, o));
        const wasm = withWasm(true, () => resizeToTensor(img, w, h, o));
        expect(firstDiff(bits(wasm), bits(js))).toBe(-1);
        // And the fused tensor is still the two-step one.
        expect(firstDiff(bits(wasm), bits(imageToTensor(withWasm(true, () => resizeImageSync(img, w, h)), o)))).toBe(-1);
        const out = new Float32Array(5 + 3 * w * h).fill(-7);
        expect(withWasm(true, () => resizeToTensor(img, w, h, { ...o, out, offset: 5 }))).toBe(out);
        expect(Array.from(out.subarray(0, 5))).toEqual([-7, -7, -7, -7, -7]);
        expect(firstDiff(bits(out.subarray(5)), bits(js))).toBe(-1);
      }
    });
  });

  it('does not depend on what was resized before (memory reuse and growth)', () => {
    const small = randomImage(31, 17, 5);
    const first = Array.from(resizeImageSync(small, 40, 20).data);
    resizeImageSync(randomImage(900, 700, 6), 1700, 1300); // grows the memory
    resizeToTensor(randomImage(50, 50, 7), 20, 20, { layout: 'nhwc', channelOrder: 'rgb' });
    expect(Array.from(resizeImageSync(small, 40, 20).data)).toEqual(first);
    const buf = new Uint8Array(40 * 20 * 3 + 9).fill(1);
    const r = resizeImageSync(small, 40, 20, buf);
    expect(Array.from(r.data)).toEqual(first);
    expect(Array.from(buf.subarray(40 * 20 * 3))).toEqual(new Array(9).fill(1));
  });
});
