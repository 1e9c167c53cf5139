import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src';
import { onBackend, randData, randInt, relError, rng } from './helpers';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

function randomPad(r: () => number): Pad {
  const k = r();
  if (k < 0.35) return 'same';
  if (k < 0.7) return 'valid';
  return [[0, 0], [randInt(r, 0, 2), randInt(r, 0, 2)], [randInt(r, 0, 2), randInt(r, 0, 2)], [0, 0]];
}

/**
 * Direct-loop depthwise gradients, the reference for dilated cases: tfjs' cpu kernels
 * ignore `dilations` (and tfjs' own depthwise gradient refuses dilations > 1).
 */
function depthwiseGradsNaive(
  x: Float32Array, dy: Float32Array, f: Float32Array, info: tf.backend_util.Conv2DInfo,
): { dw: Float32Array; dx: Float32Array } {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
  const mult = info.outChannels / c;
  const dw = new Float32Array(fh * fw * c * mult);
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let yr = 0; yr < oh; yr++)
      for (let yc = 0; yc < ow; yc++)
        for (let i = 0; i < fh; i++)
          for (let j = 0; j < fw; j++) {
            const xr = yr * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
            const xc = yc * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
            if (xr < 0 || xr >= h || xc < 0 || xc >= w) continue;
            for (let ch = 0; ch < c; ch++)
              for (let m = 0; m < mult; m++) {
                const g = dy[((b * oh + yr) * ow + yc) * c * mult + ch * mult + m];
                const xi = ((b * h + xr) * w + xc) * c + ch;
                const fi = ((i * fw + j) * c + ch) * mult + m;
                dw[fi] += x[xi] * g;
                dx[xi] += f[fi] * g;
              }
          }
  return { dw, dx };
}

/** Runs the same kernel on cpu (reference) and wasm (ours) and compares. */
async function compare(make: () => tf.Tensor): Promise<number> {
  const ref = await onBackend('cpu', make);
  const got = await onBackend('wasm', make);
  expect(got.shape).toEqual(ref.shape);
  return relError(got.values, ref.values);
}

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('wasm gradient kernels match the cpu backend', () => {
  const r = rng(42);
  const cases = Array.from({ length: 14 }, (_, i) => i);

  test.each(cases)('Conv2DBackpropFilter and Conv2DBackpropInput, random case %i', async () => {
    const n = randInt(r, 1, 3);
    const h = randInt(r, 5, 13);
    const w = randInt(r, 5, 13);
    const cin = randInt(r, 1, 5);
    const cout = randInt(r, 1, 6);
    const fh = randInt(r, 1, 4);
    const fw = randInt(r, 1, 4);
    const strides: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
    const pad = randomPad(r);
    const info = tf.backend_util.computeConv2DInfo([n, h, w, cin], [fh, fw, cin, cout], strides, 1, pad);
    if (info.outHeight <= 0 || info.outWidth <= 0) return;
    const xs = randData(r, n * h * w * cin);
    const dys = randData(r, info.outShape.reduce((a, b) => a * b, 1));
    const fs = randData(r, fh * fw * cin * cout);
    const filterErr = await compare(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: tf.tensor4d(xs, [n, h, w, cin]), dy: tf.tensor4d(dys, info.outShape) },
          { strides, pad, dataFormat: 'NHWC', filterShape: [fh, fw, cin, cout] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(filterErr).toBeLessThanOrEqual(1e-4);
    const inputErr = await compare(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.Conv2DBackpropInput,
          { dy: tf.tensor4d(dys, info.outShape), filter: tf.tensor4d(fs, [fh, fw, cin, cout]) },
          { strides, pad, dataFormat: 'NHWC', inputShape: [n, h, w, cin] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(inputErr).toBeLessThanOrEqual(1e-4);
  });

  test.each(cases)('DepthwiseConv2dNativeBackpropFilter/Input, random case %i', async (i) => {
    const n = randInt(r, 1, 3);
    const h = randInt(r, 6, 13);
    const w = randInt(r, 6, 13);
    const cin = randInt(r, 1, 5);
    const mult = randInt(r, 1, 3);
    const fh = randInt(r, 1, 3);
    const fw = randInt(r, 1, 3);
    // tfjs requires stride 1 or dilation 1; alternate so both are covered.
    const strides: [number, number] = i % 2 === 0 ? [randInt(r, 1, 3), randInt(r, 1, 3)] : [1, 1];
    const dilations: [number, number] = i % 2 === 0 ? [1, 1] : [randInt(r, 1, 3), randInt(r, 1, 3)];
    const pad = randomPad(r);
    const info = tf.backend_util.computeConv2DInfo([n, h, w, cin], [fh, fw, cin, mult], strides, dilations, pad, undefined, true);
    if (info.outHeight <= 0 || info.outWidth <= 0) return;
    const xs = randData(r, n * h * w * cin);
    const dys = randData(r, info.outShape.reduce((a, b) => a * b, 1));
    const fs = randData(r, fh * fw * cin * mult);
    const attrs = { strides, dilations, pad };
    const naive = depthwiseGradsNaive(xs, dys, fs, info);
    const dilated = dilations[0] > 1 || dilations[1] > 1;
    const compareDw = dilated ? (make: () => tf.Tensor) => onBackend('wasm', make).then((got) => relError(got.values, naive.dw)) : compare;
    const compareDx = dilated ? (make: () => tf.Tensor) => onBackend('wasm', make).then((got) => relError(got.values, naive.dx)) : compare;
    const filterErr = await compareDw(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: tf.tensor4d(xs, [n, h, w, cin]), dy: tf.tensor4d(dys, info.outShape) },
          { ...attrs, filterShape: [fh, fw, cin, mult] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(filterErr).toBeLessThanOrEqual(1e-4);
    const inputErr = await compareDx(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: tf.tensor4d(dys, info.outShape), filter: tf.tensor4d(fs, [fh, fw, cin, mult]) },
          { ...attrs, inputShape: [n, h, w, cin] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(inputErr).toBeLessThanOrEqual(1e-4);
  });

  test.each(cases.slice(0, 10))('MaxPoolGrad and AvgPoolGrad, random case %i', async () => {
    const n = randInt(r, 1, 2);
    const h = randInt(r, 4, 12);
    const w = randInt(r, 4, 12);
    const c = randInt(r, 1, 4);
    const size: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
    const strides: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
    const pad = r() < 0.5 ? 'same' : 'valid';
    const xs = randData(r, n * h * w * c);
    const grad = (f: (x: tf.Tensor4D) => tf.Tensor): (() => tf.Tensor) => () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs, [n, h, w, c]);
        // A non-uniform upstream gradient, so the test sees routing, not just counts.
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor4D), tf.cos(f(t as tf.Tensor4D)))))(x);
      });
    expect(await compare(grad((x) => tf.maxPool(x, size, strides, pad)))).toBeLessThanOrEqual(1e-4);
    expect(await compare(grad((x) => tf.avgPool(x, size, strides, pad)))).toBeLessThanOrEqual(1e-4);
  });

  test.each(cases.slice(0, 6))('ResizeBilinearGrad, random case %i', async () => {
    const n = randInt(r, 1, 2);
    const h = randInt(r, 2, 10);
    const w = randInt(r, 2, 10);
    const c = randInt(r, 1, 3);
    const oh = randInt(r, 2, 20);
    const ow = randInt(r, 2, 20);
    const alignCorners = r() < 0.5;
    const xs = randData(r, n * h * w * c);
    const dys = randData(r, n * oh * ow * c);
    const make = (): tf.Tensor =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.ResizeBilinearGrad,
          { images: tf.tensor4d(xs, [n, h, w, c]), dy: tf.tensor4d(dys, [n, oh, ow, c]) },
          { alignCorners } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      );
    // tfjs-backend-cpu 4.22 reports this gradient with height and width swapped in its
    // shape (values are right), so compare values, and the wasm shape to the input's.
    const ref = await onBackend('cpu', make);
    const got = await onBackend('wasm', make);
    expect(got.shape).toEqual([n, h, w, c]);
    expect(relError(got.values, ref.values)).toBeLessThanOrEqual(1e-4);
  });
});

describe('wasm Tile (replaced for speed) matches the cpu backend', () => {
  test.each([
    ['float32', [2, 1, 3], [1, 4, 2]],
    ['int32', [3, 2], [2, 3]],
    ['bool', [1, 2, 2, 1], [2, 1, 1, 3]],
    // The batch-norm gradient's tile, which a rank-8 broadcast got wrong.
    ['float32', [1, 1, 1, 5], [2, 3, 4, 1]],
    ['float32', [2, 3, 2, 2, 3], [2, 1, 3, 2, 2]],
  ] as const)('%s %j tiled %j', async (dtype, shape, reps) => {
    const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const vals = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 2 : dtype === 'int32' ? 16777217 + i : i * 0.5 - 1));
    const make = (): tf.Tensor => tf.tidy(() => tf.tile(tf.tensor(vals, [...shape], dtype), [...reps]));
    const ref = await onBackend('cpu', make);
    const got = await onBackend('wasm', make);
    expect(got.shape).toEqual(ref.shape);
    expect(Array.from(got.values)).toEqual(Array.from(ref.values));
  });
});
