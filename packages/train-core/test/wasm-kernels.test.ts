import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src';
import {
  conv2DBackpropFilterKernel,
  makeConv2DBackpropFilterKernel,
} from '../src/backend/wasm-kernels/conv2d-backprop-filter';
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

describe('Conv2DBackpropFilter (transposed im2col + one matmul) matches the cpu backend', () => {
  type Case = [string, [number, number, number, number], [number, number], number | [number, number], Pad];
  // [name, x shape NHWC, filter size, strides, pad]; Cout is set per case below.
  const cases: Case[] = [
    ['1×1 s1 same, Cout > Cin (transposes x)', [2, 7, 5, 3], [1, 1], 1, 'same'],
    ['1×1 s1 valid, Cout < Cin (transposes dy, gives dWᵀ)', [3, 5, 9, 6], [1, 1], 1, 'valid'],
    ['1×1 s2 same (strided: the im2col path)', [2, 9, 7, 4], [1, 1], 2, 'same'],
    ['1×1 s1 explicit pads (padded: the im2col path)', [2, 5, 6, 3], [1, 1], 1, [[0, 0], [1, 0], [0, 2], [0, 0]]],
    ['3×3 s1 same, odd sizes', [3, 11, 9, 5], [3, 3], 1, 'same'],
    ['3×3 s1 valid', [2, 10, 7, 4], [3, 3], 1, 'valid'],
    ['3×3 s2 same, odd sizes', [2, 13, 11, 3], [3, 3], 2, 'same'],
    ['3×3 s2 valid, last row/column never read', [2, 12, 10, 4], [3, 3], 2, 'valid'],
    ['3×3 s2 same, even sizes', [4, 16, 16, 3], [3, 3], 2, 'same'],
    ['5×3 s(2,1) explicit pads', [2, 11, 8, 2], [5, 3], [2, 1], [[0, 0], [2, 1], [0, 2], [0, 0]]],
    ['2×4 s(1,3) same', [1, 6, 13, 3], [2, 4], [1, 3], 'same'],
    ['3×3 s1 same, filter wider than a padded edge', [2, 2, 3, 3], [3, 3], 1, 'same'],
  ];
  const couts = [6, 2, 5, 4, 7, 3, 8, 5, 16, 3, 4, 2];

  const filterGrad = (xs: Float32Array, dys: Float32Array, xShape: number[], outShape: number[], attrs: object) => () =>
    tf.tidy(() =>
      tf.engine().runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor4d(xs, xShape as [number, number, number, number]), dy: tf.tensor4d(dys, outShape as [number, number, number, number]) },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor,
    );

  test.each(cases.map((c, i) => [c[0], i] as const))('%s', async (_name, i) => {
    const [, xShape, [fh, fw], strides, pad] = cases[i];
    const cout = couts[i];
    const r = rng(100 + i);
    const filterShape: [number, number, number, number] = [fh, fw, xShape[3], cout];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad);
    const xs = randData(r, xShape.reduce((a, b) => a * b, 1));
    const dys = randData(r, info.outShape.reduce((a, b) => a * b, 1));
    const err = await compare(filterGrad(xs, dys, xShape, info.outShape, { strides, pad, dataFormat: 'NHWC', filterShape }));
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  // Sizes that take the JS transposes (1×1: > 2^17 values and > 8 channels). tfjs' cpu
  // kernel takes ~10 s on these, so the reference is the definition itself, summed in
  // float64: dW[ci, co] = Σ_m x[m, ci] · dy[m, co].
  test.each([
    ['1×1 s1, large x, Cout > Cin: blocked JS transpose of x', [2, 48, 40, 40], 48],
    ['1×1 s1, large dy, Cout < Cin: blocked JS transpose of dy', [2, 80, 72, 40], 12],
  ] as const)('%s', async (_name, xShape, cout) => {
    const r = rng(7);
    const cin = xShape[3];
    const m = xShape[0] * xShape[1] * xShape[2];
    const xs = randData(r, m * cin);
    const dys = randData(r, m * cout);
    const ref = new Float64Array(cin * cout);
    for (let p = 0; p < m; p++)
      for (let ci = 0; ci < cin; ci++) {
        const xv = xs[p * cin + ci];
        for (let co = 0; co < cout; co++) ref[ci * cout + co] += xv * dys[p * cout + co];
      }
    const outShape = [xShape[0], xShape[1], xShape[2], cout];
    const got = await onBackend('wasm', filterGrad(xs, dys, [...xShape], outShape, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, cin, cout] }));
    expect(got.shape).toEqual([1, 1, cin, cout]);
    expect(relError(got.values, ref)).toBeLessThanOrEqual(1e-4);
  });

  // An im2col budget small enough that the taps go in chunks, each its own matmul.
  test.each([
    ['3×3 s1 same, im2col in chunks of 2 taps', [2, 9, 7, 3], 1, 'same', 5, 2 * 3 * 2 * 9 * 7],
    ['3×3 s2 valid, im2col one tap at a time (budget below one tap)', [2, 11, 9, 4], 2, 'valid', 3, 1],
  ] as const)('%s', async (_name, xShape, strides, pad, cout, budget) => {
    const r = rng(8);
    const filterShape: [number, number, number, number] = [3, 3, xShape[3], cout];
    const info = tf.backend_util.computeConv2DInfo([...xShape], filterShape, strides, 1, pad);
    const xs = randData(r, xShape.reduce((a, b) => a * b, 1));
    const dys = randData(r, info.outShape.reduce((a, b) => a * b, 1));
    const make = filterGrad(xs, dys, [...xShape], info.outShape, { strides, pad, dataFormat: 'NHWC', filterShape });
    tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
    tf.registerKernel(makeConv2DBackpropFilterKernel(budget));
    try {
      expect(await compare(make)).toBeLessThanOrEqual(1e-4);
    } finally {
      tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
      tf.registerKernel(conv2DBackpropFilterKernel);
    }
  });

  test('the gradient of a conv2d layer through tf.grad, batch 3, 3×3 stride 2 same', async () => {
    const r = rng(11);
    const xs = randData(r, 3 * 15 * 13 * 4);
    const ws = randData(r, 3 * 3 * 4 * 6);
    const make = (): tf.Tensor =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs, [3, 15, 13, 4]);
        // A non-uniform upstream gradient (through sin), so dy is not all ones.
        return tf.grad((w: tf.Tensor) => tf.sum(tf.sin(tf.conv2d(x, w as tf.Tensor4D, 2, 'same'))))(tf.tensor4d(ws, [3, 3, 4, 6]));
      });
    expect(await compare(make)).toBeLessThanOrEqual(1e-4);
  });

  test('NCHW is refused with a typed error', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: tf.zeros([1, 2, 4, 4]), dy: tf.zeros([1, 3, 4, 4]) },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [1, 1, 2, 3] } as unknown as tf.NamedAttrMap,
        ),
      ),
    ).toThrow(/NHWC only/);
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

describe('depthwise gradients (one-pass filter loop, JS dilate+pad) and fused ReLU-family gradients', () => {
  const r = rng(7);
  // [batch, h, w, channels, stride, pad, mult, filter]: MobileNetV2's 3×3 depthwise
  // convs at odd and even sizes, plus the general paths (multiplier 2, 5×5, 3×2, 1×3).
  const shapes: [number, number, number, number, number, 'same' | 'valid', number, [number, number]][] = [
    [1, 7, 7, 5, 1, 'same', 1, [3, 3]],
    [2, 9, 11, 16, 1, 'valid', 1, [3, 3]],
    [3, 13, 13, 7, 2, 'same', 1, [3, 3]],
    [2, 12, 10, 24, 2, 'same', 1, [3, 3]],
    [1, 11, 9, 3, 2, 'valid', 1, [3, 3]],
    [3, 8, 8, 33, 1, 'same', 1, [3, 3]],
    [1, 5, 5, 1, 2, 'same', 1, [3, 3]],
    [2, 10, 9, 4, 1, 'same', 2, [3, 3]],
    [2, 9, 12, 6, 2, 'same', 1, [5, 5]],
    [1, 8, 9, 5, 1, 'valid', 1, [3, 2]],
    [2, 6, 7, 3, 2, 'same', 3, [1, 3]],
  ];
  test.each(shapes)('batch %i, %i×%i×%i, stride %i %s, multiplier %i, filter %j', async (n, h, w, c, s, pad, mult, [fh, fw]) => {
    const info = tf.backend_util.computeConv2DInfo([n, h, w, c], [fh, fw, c, mult], s, 1, pad, undefined, true);
    const xs = randData(r, n * h * w * c);
    const dys = randData(r, info.outShape.reduce((a, b) => a * b, 1));
    const fs = randData(r, fh * fw * c * mult);
    const filterErr = await compare(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: tf.tensor4d(xs, [n, h, w, c]), dy: tf.tensor4d(dys, info.outShape) },
          { strides: s, dilations: 1, pad, filterShape: [fh, fw, c, mult] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(filterErr).toBeLessThanOrEqual(1e-4);
    const inputErr = await compare(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: tf.tensor4d(dys, info.outShape), filter: tf.tensor4d(fs, [fh, fw, c, mult]) },
          { strides: s, dilations: 1, pad, inputShape: [n, h, w, c] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ),
    );
    expect(inputErr).toBeLessThanOrEqual(1e-4);
    // Through tf.grad of the forward op, as a training step calls them.
    const grads = (): tf.Tensor =>
      tf.tidy(() => {
        const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad), tf.tensor4d(dys, info.outShape))),
        )([tf.tensor4d(xs, [n, h, w, c]), tf.tensor4d(fs, [fh, fw, c, mult])]);
        return tf.concat([tf.reshape(gx!, [-1]), tf.reshape(gf!, [-1])]);
      });
    expect(await compare(grads)).toBeLessThanOrEqual(1e-4);
  });

  // Boundaries (0, -0, 6), values just inside and outside them, and NaN.
  const edge = [-1, -1e-7, -0, 0, 1e-7, 0.5, 3, 6 - 1e-6, 6, 6 + 1e-6, 7, NaN, -Infinity, Infinity];
  // Upstream gradients of both signs, then non-finite ones (tfjs' Relu grad multiplies,
  // so Inf·0 is NaN; ClipByValue's selects, so it is 0).
  const dys = [edge.map((_, i) => (i % 3 === 0 ? -1 : 1) * (0.25 + i)), edge.map((_, i) => [Infinity, -Infinity, NaN][i % 3]!)];
  const gradOf = (f: (x: tf.Tensor) => tf.Tensor) => (): tf.Tensor =>
    tf.tidy(() => {
      const x = tf.tensor1d(edge);
      return tf.concat(dys.map((d) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor1d(d))))(x)));
    });
  test.each([
    ['relu', (x: tf.Tensor) => tf.relu(x)],
    ['relu6', (x: tf.Tensor) => tf.relu6(x)],
    ['clipByValue(0, 6)', (x: tf.Tensor) => tf.clipByValue(x, 0, 6)],
    ['clipByValue(-0.5, 3)', (x: tf.Tensor) => tf.clipByValue(x, -0.5, 3)],
    ["tfjs-layers' ReLU6 (relu then clipByValue)", (x: tf.Tensor) => tf.clipByValue(tf.relu(x), 0, 6)],
  ] as const)('%s gradient equals cpu exactly at the boundaries', async (_, f) => {
    const ref = await onBackend('cpu', gradOf(f));
    const got = await onBackend('wasm', gradOf(f));
    expect(Array.from(got.values)).toEqual(Array.from(ref.values));
  });

  test('the relu gradient is one kernel on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randData(r, 2 * 4 * 4 * 3), [2, 4, 4, 3]);
    const info = await tf.profile(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.clipByValue(tf.relu(t), 0, 6)))(x);
      g.dispose();
    });
    x.dispose();
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((k) => k === 'ModelkitRangeMaskGrad')).toHaveLength(2);
    for (const k of ['Step', 'LessEqual', 'GreaterEqual', 'LogicalAnd', 'Select']) expect(names).not.toContain(k);
  });
});
