import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src';
import { useFusedBatchNormTraining } from '../src/backend/fused-batch-norm';
import { randData, relError, rng } from './helpers';

/** Conv → BN → ReLU6 twice (one BN with γ = 0.5, β = 0.2 … so both are exercised), then a dense BN. */
function buildModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [7, 6, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ momentum: 0.9, gammaInitializer: tfl.initializers.constant({ value: 0.5 }), betaInitializer: tfl.initializers.constant({ value: 0.2 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ momentum: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 6, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

interface StepResult {
  grads: Float32Array;
  moving: Float32Array;
  output: Float32Array;
}

/** One training forward and backward on `backend`: all gradients (input first), the moving statistics after it, the inference output. */
async function step(backend: string): Promise<StepResult> {
  await tf.setBackend(backend);
  const model = buildModel();
  const r = rng(5);
  const x = tf.tensor4d(randData(r, 4 * 7 * 6 * 3), [4, 7, 6, 3]);
  const target = tf.tensor2d(randData(r, 4 * 6), [4, 6]);
  const weights = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const loss = (input: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(model.apply(input, { training: true }) as tf.Tensor, target)));
  const { value, grads } = tf.variableGrads(() => loss(x), weights);
  const dx = tf.grad(loss)(x);
  const all = [dx, ...weights.map((w) => grads[w.name]!)].map((g) => Array.from(g.dataSync()));
  const moving = model.weights.filter((w) => /moving/.test(w.name)).flatMap((w) => Array.from(w.read().dataSync()));
  const output = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  tf.dispose([value, dx, x, target, ...Object.values(grads)]);
  model.dispose();
  return { grads: Float32Array.from(all.flat()), moving: Float32Array.from(moving), output: Float32Array.from(output) };
}

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('batch norm training on wasm (one analytic gradient instead of tfjs composition)', () => {
  test('gradients, moving statistics and outputs match tfjs-layers on the cpu backend', async () => {
    const ref = await step('cpu');
    const got = await step('wasm');
    expect(relError(got.grads, ref.grads)).toBeLessThan(1e-4);
    expect(relError(got.moving, ref.moving)).toBeLessThan(1e-5);
    expect(relError(got.output, ref.output)).toBeLessThan(1e-5);
  });

  test('the gradient runs fewer kernels than tfjs composition and tiles nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randData(rng(9), 2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const bn = tfl.layers.batchNormalization({});
    bn.apply(tfl.input({ shape: [5, 5, 3] }));
    const kernels = async (): Promise<string[]> => {
      const info = await tf.profile(() => {
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(bn.apply(t, { training: true }) as tf.Tensor)))(x);
        g.dispose();
      });
      return info.kernels.map((k) => k.name);
    };
    const fused = await kernels();
    useFusedBatchNormTraining(false);
    const composed = await kernels().finally(() => useFusedBatchNormTraining(true));
    x.dispose();
    expect(composed).toContain('Tile');
    expect(fused).not.toContain('Tile');
    // 54 against 88 here, reshapes and the forward pass included.
    expect(fused.length).toBeLessThan(0.7 * composed.length);
  });
});
