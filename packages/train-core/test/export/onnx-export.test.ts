import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, InferenceSession, isModelkitError, readOnnx, type OnnxModel } from '@modelkit/core';
import { exportLayersModelToOnnx, mobileNetV2Like, saveOnnx, selectBackend, smallCnn } from '../../src';
import { randData, rng } from '../helpers';

type Sym = tfl.SymbolicTensor;

/**
 * Seeded random weights that keep activations O(1): kernels uniform in ±1/√fan-in,
 * batch-norm statistics far from the identity so folding and BN emission are exercised.
 */
function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const r = rng(seed);
  for (const layer of model.layers) {
    const ws = layer.weights;
    if (ws.length === 0) continue;
    const values = ws.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const short = w.originalName.split('/').pop() as string;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        if (short === 'moving_variance' || short === 'gamma') data[i] = 0.5 + u;
        else if (short === 'kernel' || short === 'pointwise_kernel' || short === 'depthwise_kernel') {
          const fanIn = short === 'depthwise_kernel' ? shape[0] * shape[1] : n / shape[shape.length - 1];
          data[i] = ((u * 2 - 1) * Math.sqrt(3)) / Math.sqrt(fanIn);
        } else data[i] = u - 0.5;
      }
      return tf.tensor(data, shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** max |ORT − tfjs| over the outputs for a seeded random batch of 2. */
async function compare(model: tfl.LayersModel, onnx: OnnxModel, seed: number): Promise<number> {
  const r = rng(seed);
  const shape = [2, ...(model.inputs[0].shape.slice(1) as number[])];
  const data = randData(r, shape.reduce((a, b) => a * b, 1));
  const x = tf.tensor(data, shape);
  const pred = model.predict(x) as tf.Tensor;
  const expected = (await pred.data()) as Float32Array;
  const expectedShape = pred.shape;
  tf.dispose([x, pred]);
  const session = await InferenceSession.create(onnx, { threads: 1 });
  try {
    const out = await session.run({ [onnx.graph.inputs[0].name]: { data, dims: shape } });
    const y = out[onnx.graph.outputs[0].name];
    expect(y.dims).toEqual(expectedShape);
    const got = y.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - expected[i]));
    // Guard against vacuous comparisons (all-zero outputs).
    expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(1e-3);
    return diff;
  } finally {
    await session.release();
  }
}

const ops = (m: OnnxModel, op: string): number => m.graph.nodes.filter((n) => n.opType === op).length;

function convStack(): tfl.LayersModel {
  const input = tfl.input({ shape: [24, 24, 3] });
  let x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(input) as Sym;
  x = tfl.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'valid', useBias: false, activation: 'elu' }).apply(x) as Sym;
  x = tfl.layers.conv2d({ filters: 5, kernelSize: [2, 3], dilationRate: [2, 1], padding: 'same', activation: 'selu' }).apply(x) as Sym;
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }).apply(x) as Sym;
  x = tfl.layers.separableConv2d({ filters: 7, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'swish' }).apply(x) as Sym;
  x = tfl.layers.batchNormalization().apply(x) as Sym; // after an activation: emitted, not folded
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(x) as Sym;
  x = tfl.layers.flatten().apply(x) as Sym;
  x = tfl.layers.dense({ units: 9, activation: 'tanh' }).apply(x) as Sym;
  x = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x });
}

function branchy(): tfl.LayersModel {
  const input = tfl.input({ shape: [10, 12, 4] });
  let a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as Sym;
  a = tfl.layers.batchNormalization().apply(a) as Sym; // folded into the conv
  a = tfl.layers.reLU().apply(a) as Sym;
  let b = tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(input) as Sym;
  b = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid' }).apply(b) as Sym;
  const sum = tfl.layers.add().apply([a, b]) as Sym;
  const prod = tfl.layers.multiply().apply([a, b]) as Sym;
  const avg = tfl.layers.average().apply([sum, prod, input]) as Sym;
  const mx = tfl.layers.maximum().apply([avg, b]) as Sym;
  const mn = tfl.layers.minimum().apply([mx, a]) as Sym;
  let x = tfl.layers.concatenate({ axis: -1 }).apply([mn, input, sum]) as Sym;
  x = tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }).apply(x) as Sym;
  x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as Sym;
  x = tfl.layers.cropping2D({ cropping: [[1, 0], [2, 3]] }).apply(x) as Sym;
  x = tfl.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }).apply(x) as Sym;
  x = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(x) as Sym;
  x = tfl.layers.batchNormalization().apply(x) as Sym; // rank-4 BN after an activation layer
  const gmax = tfl.layers.globalMaxPooling2d({}).apply(x) as Sym;
  const gavg = tfl.layers.globalAveragePooling2d({}).apply(x) as Sym;
  let y = tfl.layers.concatenate().apply([gmax, gavg]) as Sym;
  y = tfl.layers.dropout({ rate: 0.5 }).apply(y) as Sym;
  y = tfl.layers.dense({ units: 6, useBias: false }).apply(y) as Sym;
  y = tfl.layers.batchNormalization().apply(y) as Sym; // folded into the dense
  y = tfl.layers.activation({ activation: 'sigmoid' }).apply(y) as Sym;
  return tfl.model({ inputs: input, outputs: y });
}

function reshapes(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 2] });
  let x = tfl.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(input) as Sym; // NCHW from here
  x = tfl.layers.reshape({ targetShape: [36, 3] }).apply(x) as Sym; // must see NHWC order
  x = tfl.layers.dense({ units: 4, activation: 'gelu' }).apply(x) as Sym; // rank-3 Dense (MatMul)
  x = tfl.layers.permute({ dims: [2, 1] }).apply(x) as Sym;
  x = tfl.layers.batchNormalization().apply(x) as Sym; // rank-3 BN: Mul + Add
  x = tfl.layers.flatten().apply(x) as Sym;
  x = tfl.layers.dense({ units: 32, activation: 'softplus' }).apply(x) as Sym;
  x = tfl.layers.reshape({ targetShape: [4, 4, 2] }).apply(x) as Sym;
  x = tfl.layers.conv2d({ filters: 4, kernelSize: 2, activation: 'softsign' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'mish' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'gelu_new' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'hardSigmoid' }).apply(x) as Sym;
  x = tfl.layers.elu().apply(x) as Sym;
  x = tfl.layers.prelu({ alphaInitializer: 'ones' }).apply(x) as Sym;
  x = tfl.layers.thresholdedReLU({ theta: 0.1 }).apply(x) as Sym;
  x = tfl.layers.softmax({ axis: -1 }).apply(x) as Sym; // channel softmax on a feature map
  x = tfl.layers.reLU({ maxValue: 0.4 }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x });
}

function sequentialMlp(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [5], units: 8, activation: 'relu' }));
  m.add(tfl.layers.dropout({ rate: 0.3 }));
  m.add(tfl.layers.dense({ units: 3, activation: 'logSoftmax' as 'softmax' }  /* registered in tfjs, missing from its type */));
  return m;
}

describe('exportLayersModelToOnnx: onnxruntime matches tfjs predict (max abs diff <= 1e-4)', () => {
  beforeAll(async () => {
    await selectBackend({ prefer: 'wasm' });
  });

  const cases: [string, () => tfl.LayersModel][] = [
    ['conv stack (Conv2D strides/dilation/valid/same, Depthwise, Separable, BN, pools, Flatten, Dense)', convStack],
    ['functional branches (merges, Concatenate, ZeroPadding, Cropping, UpSampling nearest+bilinear, globals, folded BNs)', branchy],
    ['reshapes and activations (Reshape both ways, rank-3 Dense, Permute, rank-3 BN, every activation)', reshapes],
    ['sequential MLP with Dropout', sequentialMlp],
    ['smallCnn', () => smallCnn({ numClasses: 5, inputSize: 32, seed: 3 })],
    ['mobileNetV2Like', () => mobileNetV2Like({ numClasses: 4, inputSize: 64, seed: 5 })],
  ];

  it.each(cases)('%s', async (_name, build) => {
    const model = build();
    randomizeWeights(model, 11);
    const onnx = exportLayersModelToOnnx(model);
    const diff = await compare(model, onnx, 7);
    if (process.env.MK_PRINT_DIFFS) process.stdout.write(`${_name.split(' (')[0]}: max abs diff ${diff.toExponential(2)}, ${onnx.graph.nodes.length} nodes\n`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });

  it('mobileNetV2Like features before the softmax (unsquashed values) match too', async () => {
    const full = mobileNetV2Like({ numClasses: 4, inputSize: 64, seed: 5 });
    randomizeWeights(full, 12);
    const gap = full.layers[full.layers.length - 2];
    const features = tfl.model({ inputs: full.inputs, outputs: gap.output as Sym });
    const onnx = exportLayersModelToOnnx(features);
    expect(await compare(features, onnx, 8)).toBeLessThanOrEqual(1e-4);
    full.dispose();
  });

  it('keeps one input Transpose and folds every BN of smallCnn into its conv', () => {
    const model = smallCnn({ numClasses: 3, inputSize: 32, seed: 1 });
    const onnx = exportLayersModelToOnnx(model);
    expect(ops(onnx, 'Transpose')).toBe(1);
    expect(ops(onnx, 'BatchNormalization')).toBe(0);
    expect(ops(onnx, 'Conv')).toBe(4);
    // Without folding, each BN becomes an ONNX BatchNormalization.
    expect(ops(exportLayersModelToOnnx(model, { foldBatchNorm: false }), 'BatchNormalization')).toBe(4);
    model.dispose();
  });

  it('names, fixed batch, opset and saveOnnx round trip', async () => {
    const model = sequentialMlp();
    randomizeWeights(model, 3);
    const dir = await mkdtemp(join(tmpdir(), 'mk-export-'));
    try {
      const path = join(dir, 'mlp.onnx');
      await saveOnnx(model, path, { inputName: 'features', outputNames: ['logp'], batch: 2, opset: 17 });
      const read = await readOnnx(path);
      expect(read.opsetImports).toEqual([{ domain: '', version: 17 }]);
      expect(read.graph.inputs[0]).toMatchObject({ name: 'features', shape: [2, 5] });
      expect(read.graph.outputs[0]).toMatchObject({ name: 'logp', shape: [2, 3] });
      expect(await compare(model, read, 4)).toBeLessThanOrEqual(1e-4);
    } finally {
      await rm(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('rejects an unmapped layer with E_UNSUPPORTED_OP naming its class', () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv1d({ inputShape: [10, 3], filters: 2, kernelSize: 3 }));
    let err: unknown;
    try {
      exportLayersModelToOnnx(m);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.UNSUPPORTED_OP)).toBe(true);
    expect((err as Error).message).toContain('Conv1D');
    expect(() => exportLayersModelToOnnx(m, { opset: 9 })).toThrow(/opset/);
    m.dispose();
    // tfjs itself computes BN on a non-last axis wrongly, so there is nothing faithful to export.
    const input = tfl.input({ shape: [4, 6] });
    const bn = tfl.model({ inputs: input, outputs: tfl.layers.batchNormalization({ axis: 1 }).apply(input) as Sym });
    expect(() => exportLayersModelToOnnx(bn)).toThrow(/BatchNormalization/);
  });
});
