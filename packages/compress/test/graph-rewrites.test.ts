import { InferenceSession, encodeOnnx, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, validateGraph } from '@modelkit/core';
import type { OnnxModel, TensorData } from '@modelkit/core';
import { foldPads } from '../src/graph/fold-pads';
import { resizeToFullRank } from '../src/graph/resize-full-rank';
import { upgradeOpset } from '../src/graph/upgrade-opset';
import { pseudoRandom } from './fixtures/tiny-models';

async function run(model: OnnxModel, feeds: Record<string, TensorData>): Promise<Float32Array[]> {
  const s = await InferenceSession.create(encodeOnnx(model), { threads: 1, optimization: 'disabled' });
  const out = await s.run(feeds);
  await s.release();
  return Object.values(out).map((t) => t.data as Float32Array);
}

function copy(model: OnnxModel): OnnxModel {
  return structuredClone(model);
}

describe('foldPads', () => {
  const model = (value: number, mode = 'constant'): OnnxModel =>
    makeModel(
      makeGraph({
        nodes: [
          makeNode('Pad', ['x', 'pads', 'v'], ['p'], { mode }, 'pad'),
          makeNode('Conv', ['p', 'w'], ['c'], { kernel_shape: [3, 3], pads: [0, 1, 0, 1] }, 'conv'),
          makeNode('Pad', ['c', 'pads', 'ninf'], ['q'], {}, 'pad2'),
          makeNode('MaxPool', ['q'], ['y'], { kernel_shape: [3, 3], strides: [2, 2] }, 'pool'),
        ],
        inputs: [makeValueInfo('x', 'float32', [1, 2, 8, 8])],
        outputs: [makeValueInfo('y', 'float32', null)],
        initializers: [
          makeTensor('pads', 'int64', [8], [0, 0, 1, 2, 0, 0, 1, 0]),
          makeTensor('v', 'float32', [], [value]),
          makeTensor('ninf', 'float32', [], [-Infinity]),
          makeTensor('w', 'float32', [4, 2, 3, 3], pseudoRandom(72, 3)),
        ],
      }),
      { opsetImports: [{ domain: '', version: 13 }] },
    );
  const feeds = { x: { data: pseudoRandom(128, 5), dims: [1, 2, 8, 8] } };

  it('folds zero padding into the Conv and -inf padding into the MaxPool, same outputs', async () => {
    const m = copy(model(0));
    expect(foldPads(m.graph)).toBe(2);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'MaxPool']);
    expect(m.graph.nodes[0]!.attributes.pads).toEqual([1, 3, 1, 1]);
    expect(m.graph.nodes[1]!.attributes.pads).toEqual([1, 2, 1, 0]);
    expect(validateGraph(m.graph)).toEqual([]);
    const [a] = await run(model(0), feeds);
    const [b] = await run(m, feeds);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  });

  it('leaves padding with another value or mode alone', () => {
    const m = copy(model(0.5));
    expect(foldPads(m.graph)).toBe(1); // only the -inf one before the MaxPool
    expect(m.graph.nodes[0]!.opType).toBe('Pad');
    const r = copy(model(0, 'reflect'));
    foldPads(r.graph);
    expect(r.graph.nodes[0]!.opType).toBe('Pad');
  });
});

describe('upgradeOpset', () => {
  // opset 9: Slice and Squeeze with attributes, Softmax over a non-last axis of a rank-3 tensor.
  const model = (): OnnxModel =>
    makeModel(
      makeGraph({
        nodes: [
          makeNode('Slice', ['x'], ['s'], { starts: [1], ends: [3], axes: [1] }, 'slice'),
          makeNode('Unsqueeze', ['s'], ['u'], { axes: [0] }, 'unsq'),
          makeNode('Squeeze', ['u'], ['sq'], { axes: [0] }, 'sq'),
          makeNode('Softmax', ['sq'], ['y'], { axis: 1 }, 'softmax'),
          makeNode('Softmax', ['x'], ['z'], { axis: 2 }, 'softmax_last'),
        ],
        inputs: [makeValueInfo('x', 'float32', [2, 4, 3])],
        outputs: [makeValueInfo('y', 'float32', null), makeValueInfo('z', 'float32', null)],
      }),
      { opsetImports: [{ domain: '', version: 9 }], irVersion: 4 },
    );
  const feeds = { x: { data: pseudoRandom(24, 8, -3, 3), dims: [2, 4, 3] } };

  it('converts attribute inputs and keeps the old Softmax meaning, same outputs', async () => {
    const m = copy(model());
    const ranks: Record<string, number> = { x: 3, sq: 3 };
    expect(upgradeOpset(m, 13, (t) => ranks[t])).toBe(9);
    expect(m.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(m.irVersion).toBeGreaterThanOrEqual(7);
    const ops = m.graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(['Slice', 'Unsqueeze', 'Squeeze', 'Flatten', 'Softmax', 'Shape', 'Reshape', 'Softmax']);
    expect(m.graph.nodes[0]!.inputs).toHaveLength(4);
    const [y0, z0] = await run(model(), feeds);
    const [y1, z1] = await run(m, feeds);
    for (let i = 0; i < y0!.length; i++) expect(y1![i]).toBeCloseTo(y0![i]!, 6);
    for (let i = 0; i < z0!.length; i++) expect(z1![i]).toBeCloseTo(z0![i]!, 6);
  });

  it('moves Pad, Clip and Split attributes to inputs and turns Dropout into Identity, same outputs', async () => {
    const old = (): OnnxModel =>
      makeModel(
        makeGraph({
          nodes: [
            makeNode('Pad', ['x'], ['p'], { pads: [0, 1, 0, 2], value: 0.5 }, 'pad'),
            makeNode('Clip', ['p'], ['c'], { min: -0.2, max: 0.7 }, 'clip'),
            makeNode('Split', ['c'], ['s1', 's2'], { axis: 1, split: [2, 5] }, 'split'),
            makeNode('Dropout', ['s2'], ['d'], { ratio: 0.5 }, 'drop'),
          ],
          inputs: [makeValueInfo('x', 'float32', [2, 4])],
          outputs: [makeValueInfo('s1', 'float32', null), makeValueInfo('d', 'float32', null)],
        }),
        { opsetImports: [{ domain: '', version: 9 }] },
      );
    const m = copy(old());
    upgradeOpset(m, 13);
    expect(m.graph.nodes.map((n) => [n.opType, n.inputs.length])).toEqual([['Pad', 3], ['Clip', 3], ['Split', 2], ['Identity', 1]]);
    const feeds = { x: { data: pseudoRandom(8, 4), dims: [2, 4] } };
    const a = await run(old(), feeds);
    const b = await run(m, feeds);
    expect(b.map((t) => Array.from(t))).toEqual(a.map((t) => Array.from(t)));
  });

  it('refuses an operator whose change it does not convert', () => {
    const m = makeModel(makeGraph({ nodes: [makeNode('Upsample', ['x', 's'], ['y'], { mode: 'nearest' }, 'up')], inputs: [makeValueInfo('x', 'float32', [1, 1, 2, 2])], outputs: [makeValueInfo('y', 'float32', null)], initializers: [makeTensor('s', 'float32', [4], [1, 1, 2, 2])] }), {
      opsetImports: [{ domain: '', version: 9 }],
    });
    expect(() => upgradeOpset(m, 13)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_OP' }));
  });
});

describe('resizeToFullRank', () => {
  const model = (): OnnxModel =>
    makeModel(
      makeGraph({
        nodes: [makeNode('Resize', ['x', '', '', 'sizes'], ['y'], { axes: [2, 3], mode: 'linear' }, 'resize')],
        inputs: [makeValueInfo('x', 'float32', [1, 2, 3, 4])],
        outputs: [makeValueInfo('y', 'float32', null)],
        initializers: [makeTensor('sizes', 'int64', [2], [6, 8])],
      }),
      { opsetImports: [{ domain: '', version: 18 }] },
    );

  it('writes sizes for every axis from the input dims and drops axes, same outputs', async () => {
    const m = copy(model());
    expect(resizeToFullRank(m.graph, () => [1, 2, 3, 4])).toBe(1);
    const r = m.graph.nodes[0]!;
    expect(r.attributes.axes).toBeUndefined();
    const sizes = m.graph.initializers.find((t) => t.name === r.inputs[3])!;
    expect(Array.from(sizes.data as BigInt64Array, Number)).toEqual([1, 2, 6, 8]);
    const feeds = { x: { data: pseudoRandom(24, 2), dims: [1, 2, 3, 4] } };
    const [a] = await run(model(), feeds);
    const [b] = await run(m, feeds);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  });

  it('leaves a Resize alone when the other dims are unknown', () => {
    const m = copy(model());
    expect(resizeToFullRank(m.graph, () => [null, 2, 3, 4])).toBe(0);
    expect(resizeToFullRank(m.graph, () => undefined)).toBe(0);
  });
});
