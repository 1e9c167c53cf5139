import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type OnnxModel, type RgbImage } from '@modelkit/core';
import { createFeatureExtractor, exposeTensor, globalPool, listTensorNames } from '../src';

/** x [1,3,2,2] -> m = x*2 -> y = relu(m); a side branch z = -x with its own unused weight. */
function tinyModel(): OnnxModel {
  return makeModel(makeGraph({
    nodes: [makeNode('Mul', ['x', 'k'], ['m']), makeNode('Relu', ['m'], ['y']), makeNode('Add', ['x', 'w'], ['z'])],
    inputs: [makeValueInfo('x', 'float32', [1, 3, 2, 2])],
    outputs: [makeValueInfo('y', 'float32', [1, 3, 2, 2]), makeValueInfo('z', 'float32', [1, 3, 2, 2])],
    initializers: [makeTensor('k', 'float32', [], [2]), makeTensor('w', 'float32', [1], [5])],
  }));
}

test('globalPool: avg, max and none, channels first and last', () => {
  // [N=2, C=2, 3]: image 0 channel 0 = 1,2,3; channel 1 = -1,-5,0; image 1 = 10 * image 0.
  const data = Float32Array.from([1, 2, 3, -1, -5, 0, 10, 20, 30, -10, -50, 0]);
  expect(globalPool(data, [2, 2, 3], 'avg').map((v) => Array.from(v))).toEqual([[2, -2], [20, -20]]);
  expect(globalPool(data, [2, 2, 3], 'max').map((v) => Array.from(v))).toEqual([[3, 0], [30, 0]]);
  expect(globalPool(data, [2, 2, 3], 'none')[1]).toEqual(data.slice(6));
  // The same numbers read as [N=2, T=3, C=2]: channel 0 = 1,3,-5, channel 1 = 2,-1,0.
  expect(globalPool(data, [2, 3, 2], 'avg', 'channels-last').map((v) => Array.from(v))).toEqual([[-1 / 3, 1 / 3], [-10 / 3, 10 / 3]].map((r) => r.map((x) => Math.fround(x))));
  expect(() => globalPool(data, [12], 'avg')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  expect(() => globalPool(data, [2, 2, 2], 'avg')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

test('exposeTensor keeps only what the tensor needs and leaves the source model alone', () => {
  const model = tinyModel();
  expect(listTensorNames(model.graph).sort()).toEqual(['k', 'm', 'w', 'x', 'y', 'z']);
  const sub = exposeTensor(model, 'm', { inputShapes: { x: ['N', 3, 2, 2] } });
  expect(sub.graph.nodes.map((n) => n.opType)).toEqual(['Mul']);
  expect(sub.graph.initializers.map((t) => t.name)).toEqual(['k']);
  expect(sub.graph.outputs).toEqual([{ name: 'm', dataType: 'float32', shape: null }]);
  expect(sub.graph.inputs[0]!.shape).toEqual(['N', 3, 2, 2]);
  expect(model.graph.nodes).toHaveLength(3);
  expect(model.graph.inputs[0]!.shape).toEqual([1, 3, 2, 2]);
  // A declared output keeps its value info when shapes stay; prune: false keeps every node.
  expect(exposeTensor(model, 'y', { prune: false }).graph).toMatchObject({ nodes: { length: 3 }, outputs: [{ name: 'y', shape: [1, 3, 2, 2] }] });
  expect(() => exposeTensor(model, 'nope')).toThrow(expect.objectContaining({ code: 'E_MODEL_INVALID' }));
  expect(() => exposeTensor(model, 'm', { inputShapes: { q: [1] } })).toThrow(expect.objectContaining({ code: 'E_MODEL_INVALID' }));
});

test('createFeatureExtractor preprocesses, batches, resizes and pools like a hand computation', async () => {
  const solid = (w: number, h: number, rgb: [number, number, number]): RgbImage => {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
    return { data, width: w, height: h };
  };
  const fx = await createFeatureExtractor({
    model: tinyModel(), output: 'm', pool: 'avg', batchSize: 2,
    input: { width: 2, height: 2, layout: 'nchw', channelOrder: 'bgr', mean: [10, 0, 0], std: [1, 1, 2], scale: 1 },
  });
  expect(fx.dim).toBe(3);
  expect(fx.mapShape).toEqual([3, 2, 2]);
  expect(fx.nodeCount).toBe(1);
  // Three images -> two runs (2 + 1); the 6×4 one is resized to 2×2 first.
  const images = [solid(2, 2, [10, 20, 30]), solid(6, 4, [40, 50, 60]), solid(2, 2, [0, 0, 0])];
  const feats = await fx.extract(images);
  // m = 2 * ((bgr - mean) / std): channel 0 is blue.
  expect(feats.map((v) => Array.from(v))).toEqual([[2 * (30 - 10), 2 * 20, 2 * 10 / 2], [2 * (60 - 10), 2 * 50, 2 * 40 / 2], [-20, 0, 0]]);
  await fx.release();
  await expect(fx.extract(images)).rejects.toMatchObject({ code: 'E_SESSION_RELEASED' });
});

test('createFeatureExtractor: clear errors for bad options and graphs that cannot take the shape', async () => {
  const input = { width: 2, height: 2, layout: 'nchw', channelOrder: 'rgb' } as const;
  await expect(createFeatureExtractor({ model: tinyModel(), output: 'm', input: { ...input, width: 0 } })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(createFeatureExtractor({ model: tinyModel(), output: 'm', input, batchSize: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(createFeatureExtractor({ model: tinyModel(), output: 'm', input, pool: 'sum' as 'avg' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(createFeatureExtractor({ model: tinyModel(), output: 'nope', input })).rejects.toMatchObject({ code: 'E_MODEL_INVALID' });
  await expect(createFeatureExtractor({ model: tinyModel(), output: 'm', input, inputName: 'q' })).rejects.toMatchObject({ code: 'E_MODEL_INVALID' });
  await expect(createFeatureExtractor({ model: '/nonexistent/model.onnx', output: 'm', input })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  // A Reshape to a fixed [1, 12] cannot take a batch of 3×3 images.
  const fixed = makeModel(makeGraph({
    nodes: [makeNode('Reshape', ['x', 's'], ['r'])],
    inputs: [makeValueInfo('x', 'float32', [1, 3, 2, 2])],
    outputs: [makeValueInfo('r', 'float32', [1, 12])],
    initializers: [makeTensor('s', 'int64', [2], [1n, 12n])],
  }));
  await expect(createFeatureExtractor({ model: fixed, output: 'r', input: { ...input, width: 3, height: 3 }, session: { logLevel: 'fatal' } })).rejects.toMatchObject({ code: 'E_MODEL_FORMAT' });
});
