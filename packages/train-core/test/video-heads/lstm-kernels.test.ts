import * as tf from '@tensorflow/tfjs-core';
import { binaryCrossEntropy, buildVideoHead, selectBackend, videoHeadPreset } from '../../src';
import { randData, relError, rng } from '../helpers';

/** One kernel call seen on wasm: its inputs, attributes and outputs, by value. */
interface KernelCall {
  name: string;
  inputs: Record<string, { values: tf.TypedArray; shape: number[]; dtype: tf.DataType }>;
  /** Pack and Concat take a list of tensors rather than named ones. */
  listInputs: boolean;
  attrs: tf.NamedAttrMap;
  outputs: { values: tf.TypedArray; shape: number[]; dtype: tf.DataType }[];
}

/**
 * Runs `fn` on wasm with every wasm kernel wrapped to record its calls by value (the first
 * few per kernel and input shapes), then puts the kernels back.
 */
function recordWasmKernels(fn: () => void, perSignature = 3): KernelCall[] {
  const calls: KernelCall[] = [];
  const seen = new Map<string, number>();
  const configs = tf.getKernelsForBackend('wasm');
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const out = config.kernelFunc(args);
        const read = (t: tf.TensorInfo): { values: tf.TypedArray; shape: number[]; dtype: tf.DataType } => ({
          values: ((args.backend as tf.KernelBackend).readSync(t.dataId) as tf.TypedArray).slice(),
          shape: t.shape.slice(),
          dtype: t.dtype,
        });
        const signature = `${config.kernelName}|${Object.values(args.inputs).map((t) => t?.shape.join('x')).join(',')}|${JSON.stringify(args.attrs ?? {})}`;
        const n = seen.get(signature) ?? 0;
        if (n < perSignature) {
          seen.set(signature, n + 1);
          const inputs: KernelCall['inputs'] = {};
          for (const [k, t] of Object.entries(args.inputs)) if (t) inputs[k] = read(t);
          calls.push({ name: config.kernelName, inputs, listInputs: Array.isArray(args.inputs), attrs: { ...(args.attrs ?? {}) }, outputs: (Array.isArray(out) ? out : [out]).map(read) });
        }
        return out;
      },
    });
  }
  try {
    fn();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  }
  return calls;
}

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

test('every kernel a bidirectional AttentionLSTM training step hits on wasm (forward and backward) matches the cpu backend', async () => {
  const segments = 5;
  const dim = 6;
  const config = { ...videoHeadPreset('attention-lstm', 'lite', { numClasses: 3, modalities: [{ name: 'rgb', dim }], segments, seed: 4 }), embeddingSize: 8, lstmSize: 7, fcSizes: [10, 9] as [number, number], dropout: 0 };
  const model = buildVideoHead(config);
  const r = rng(9);
  const x = tf.tensor3d(randData(r, 4 * segments * dim), [4, segments, dim]);
  const y = tf.tensor2d([1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0], [4, 3]);
  const loss = binaryCrossEntropy({ fromLogits: true });
  const calls = recordWasmKernels(() => {
    const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor));
    tf.dispose([value, ...Object.values(grads)]);
  });
  const names = new Set(calls.map((c) => c.name));
  // The recurrence, its gates and their gradients are all in there.
  for (const k of ['BatchMatMul', 'Sigmoid', 'Tanh', 'Unpack', 'Pack', 'SplitV', 'Softmax', 'Multiply', 'Add']) expect(names).toContain(k);

  await tf.setBackend('cpu');
  const failures: string[] = [];
  for (const call of calls) {
    // train-core's own kernels (e.g. ModelkitRangeMaskGrad) have no cpu twin: wasm-kernels.test.ts
    // checks them against tfjs' own gradients on the cpu backend.
    if (call.name.startsWith('Modelkit')) continue;
    const inputs = Object.fromEntries(Object.entries(call.inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
    const given = (call.listInputs ? Object.values(inputs) : inputs) as unknown as tf.NamedTensorMap;
    const out = tf.engine().runKernel(call.name, given, call.attrs) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    outs.forEach((t, i) => {
      const ref = t.dataSync();
      const got = call.outputs[i].values;
      const err = t.dtype === 'float32' ? relError(Array.from(got), Array.from(ref), 1e-6) : Array.from(got).some((v, j) => v !== ref[j]) ? 1 : 0;
      if (!(err <= 1e-4) || t.shape.join() !== call.outputs[i].shape.join()) failures.push(`${call.name} output ${i}: rel. error ${err}`);
    });
    tf.dispose([...Object.values(inputs), ...outs]);
  }
  await tf.setBackend('wasm');
  if (process.env.MK_PRINT) console.log([...names].sort().join(' '), calls.length);
  expect(failures).toEqual([]);
  expect(calls.length).toBeGreaterThan(50);
  tf.dispose([x, y]);
  model.dispose();
});

test('AttentionLSTM weight gradients on wasm equal the cpu backend’s', async () => {
  const segments = 6;
  const dim = 5;
  const config = { ...videoHeadPreset('attention-lstm', 'lite', { numClasses: 4, modalities: [{ name: 'a', dim: 3 }, { name: 'b', dim: 2 }], segments, seed: 2 }), embeddingSize: 6, lstmSize: 5, fcSizes: [8, 6] as [number, number], dropout: 0 };
  const xs = randData(rng(3), 3 * segments * dim);
  const grads = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const model = buildVideoHead(config);
    const x = tf.tensor3d(xs, [3, segments, dim]);
    const y = tf.tensor2d([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1], [3, 4]);
    const { value, grads: g } = tf.variableGrads(() => binaryCrossEntropy({ fromLogits: true })(y, model.apply(x, { training: true }) as tf.Tensor));
    const out = await Promise.all(model.trainableWeights.map((w) => g[(w.read() as tf.Variable).name].data() as Promise<Float32Array>));
    tf.dispose([x, y, value, ...Object.values(g)]);
    model.dispose();
    return out;
  };
  const ref = await grads('cpu');
  const got = await grads('wasm');
  expect(got).toHaveLength(ref.length);
  const top = Math.max(...ref.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  const errors = got.map((g, i) => relError(g, ref[i], 1e-4 * top));
  expect(Math.max(...errors)).toBeLessThanOrEqual(1e-4);
});
