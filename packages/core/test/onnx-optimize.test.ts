// optimizeGraph: each rewrite on small hand-built graphs (outputs compared in onnxruntime
// before and after, node counts checked), the cases it must leave alone, and the real
// PP-OCRv4 det and rec models.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { decodeOnnx, encodeOnnx, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, optimizeGraph, validateGraph, type OnnxModel, type OnnxNode } from '../src/onnx/index';
import { InferenceSession } from '../src/session/index';
import { DET_MODEL, pseudoRandom, textLikeInput } from './onnx-fixtures';

const REC_MODEL = path.join(path.dirname(DET_MODEL), 'ch_PP-OCRv4_rec_infer.onnx');
const C = 8;
const S = 12;

const f32 = (name: string, dims: number[], values: ArrayLike<number>) => makeTensor(name, 'float32', dims, values);
const scalar = (name: string, v: number) => f32(name, [], [v]);

function model(nodes: OnnxNode[], initializers: ReturnType<typeof f32>[], outputs = ['y'], opset = 13): OnnxModel {
  return makeModel(
    makeGraph({
      name: 't',
      inputs: [makeValueInfo('x', 'float32', [1, 3, S, S])],
      outputs: outputs.map((o) => makeValueInfo(o, 'float32', null)),
      nodes,
      initializers,
    }),
    { opsetImports: [{ domain: '', version: opset }] },
  );
}

/** Runs a model on a fixed input; single thread so two runs are comparable bit for bit. */
async function run(m: OnnxModel, outputs = ['y']): Promise<Float32Array[]> {
  const session = await InferenceSession.create(encodeOnnx(m), { threads: 1 });
  try {
    const out = await session.run({ x: { data: pseudoRandom(3 * S * S, 5, -4, 4), dims: [1, 3, S, S] } });
    return outputs.map((o) => out[o]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d / scale;
}

/** Optimises a copy and checks it still validates and computes the same outputs. */
async function optimiseAndCompare(m: OnnxModel, outputs = ['y']): Promise<{ optimised: OnnxModel; report: ReturnType<typeof optimizeGraph> }> {
  const before = await run(m, outputs);
  const optimised = decodeOnnx(encodeOnnx(m));
  const report = optimizeGraph(optimised);
  expect(validateGraph(optimised.graph)).toEqual([]);
  const after = await run(optimised, outputs);
  outputs.forEach((_, i) => expect(maxRelDiff(before[i]!, after[i]!)).toBeLessThan(1e-5));
  return { optimised, report };
}

const ops = (m: OnnxModel) => m.graph.nodes.map((n) => n.opType);

// x -> Conv(3->C) -> *s +b  (learnable affine block) -> hard-swish (primitives) -> *s2 +b2
// -> depthwise 3x3 Conv (padded) -> *c +d per channel -> 1x1 Conv (unpadded) -> BatchNorm -> y
function lcnetBlock(divFirst = false): OnnxModel {
  const hswish: OnnxNode[] = divFirst
    ? [
        makeNode('Add', ['a1', 'three'], ['h0']),
        makeNode('Clip', ['h0', 'zero', 'six'], ['h1']),
        makeNode('Mul', ['h1', 'sixth'], ['h2']),
        makeNode('Mul', ['a1', 'h2'], ['h3']),
      ]
    : [
        makeNode('Add', ['a1', 'three'], ['h0']),
        makeNode('Clip', ['h0', 'zero', 'six'], ['h1']),
        makeNode('Mul', ['a1', 'h1'], ['h2']),
        makeNode('Div', ['h2', 'six'], ['h3']),
      ];
  return model(
    [
      makeNode('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      makeNode('Mul', ['lab_s', 'c1'], ['a0']),
      makeNode('Add', ['a0', 'lab_b'], ['a1']),
      ...hswish,
      makeNode('Mul', ['lab_s2', 'h3'], ['l0']),
      makeNode('Add', ['l0', 'lab_b2'], ['l1']),
      makeNode('Conv', ['l1', 'w2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C }),
      makeNode('Mul', ['c2', 'pc_s'], ['p0']),
      makeNode('Add', ['p0', 'pc_b'], ['p1']),
      makeNode('Relu', ['p1'], ['r']),
      makeNode('Sub', ['r', 'pc_b'], ['q0']),
      makeNode('Mul', ['q0', 'lab_s'], ['q1']),
      makeNode('Conv', ['q1', 'w3', 'b3'], ['c3'], { kernel_shape: [1, 1] }),
      makeNode('BatchNormalization', ['c3', 'bn_g', 'bn_b', 'bn_m', 'bn_v'], ['y'], { epsilon: 1e-3 }),
    ],
    [
      f32('w1', [C, 3, 3, 3], pseudoRandom(C * 27, 1)),
      f32('b1', [C], pseudoRandom(C, 2)),
      scalar('lab_s', 0.75),
      scalar('lab_b', 0.2),
      scalar('three', 3),
      scalar('zero', 0),
      scalar('six', 6),
      scalar('sixth', 1 / 6),
      scalar('lab_s2', 1.3),
      scalar('lab_b2', -0.1),
      f32('w2', [C, 1, 3, 3], pseudoRandom(C * 9, 3)),
      f32('pc_s', [1, C, 1, 1], pseudoRandom(C, 4, 0.5, 1.5)),
      f32('pc_b', [C, 1, 1], pseudoRandom(C, 6)),
      f32('w3', [4, C, 1, 1], pseudoRandom(4 * C, 7)),
      f32('b3', [4], pseudoRandom(4, 8)),
      f32('bn_g', [4], pseudoRandom(4, 9, 0.5, 2)),
      f32('bn_b', [4], pseudoRandom(4, 10)),
      f32('bn_m', [4], pseudoRandom(4, 11)),
      f32('bn_v', [4], pseudoRandom(4, 12, 0.1, 2)),
    ],
  );
}

describe('optimizeGraph on hand-built graphs', () => {
  it('folds affine ops into convolutions and fuses hard-swish, with the same outputs', async () => {
    const { optimised, report } = await optimiseAndCompare(lcnetBlock());
    // conv1 absorbs *s +b; hard-swish becomes HardSigmoid + Mul; the padded depthwise conv
    // keeps its input affine (as a depthwise 1x1 conv) but absorbs the per-channel Mul/Add
    // after it; Sub/Mul fold into the unpadded 1x1 conv; BatchNorm folds into it too.
    expect(ops(optimised)).toEqual(['Conv', 'HardSigmoid', 'Mul', 'Conv', 'Conv', 'Relu', 'Conv']);
    expect(report).toMatchObject({ foldConvAffine: 5, fuseHardSwish: 1, foldAffineIntoConv: 2, affineToDepthwiseConv: 2, nodesAfter: 7 });
    const hs = optimised.graph.nodes.find((n) => n.opType === 'HardSigmoid')!;
    expect(hs.attributes.alpha).toBeCloseTo(1 / 6, 7);
    expect(hs.attributes.beta).toBe(0.5);
    expect(optimised.opsetImports).toEqual([{ domain: '', version: 13 }]);
  });

  it('recognises hard-swish with the 1/6 before the product', async () => {
    const { report } = await optimiseAndCompare(lcnetBlock(true));
    expect(report.fuseHardSwish).toBe(1);
  });

  it('folds Clip-6 style hard-swish (min/max attributes, opset 9)', async () => {
    const m = model(
      [
        makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }),
        makeNode('Add', ['c', 'three'], ['h0']),
        makeNode('Clip', ['h0'], ['h1'], { min: 0, max: 6 }, '', { attributeTypes: { min: 'float', max: 'float' } }),
        makeNode('Mul', ['c', 'h1'], ['h2']),
        makeNode('Div', ['h2', 'six'], ['y']),
      ],
      [f32('w', [C, 3, 1, 1], pseudoRandom(C * 3, 1)), scalar('three', 3), scalar('six', 6)],
      ['y'],
      9,
    );
    const { optimised, report } = await optimiseAndCompare(m);
    expect(report.fuseHardSwish).toBe(1);
    expect(ops(optimised)).toEqual(['Conv', 'HardSigmoid', 'Mul']);
  });

  it('folds a bias Add and BatchNorm into a ConvTranspose', async () => {
    const m = model(
      [
        makeNode('ConvTranspose', ['x', 'w'], ['t'], { kernel_shape: [2, 2], strides: [2, 2] }),
        makeNode('Add', ['t', 'bias'], ['u']),
        makeNode('BatchNormalization', ['u', 'g', 'b', 'm', 'v'], ['n']),
        makeNode('Relu', ['n'], ['y']),
      ],
      [
        f32('w', [3, C, 2, 2], pseudoRandom(3 * C * 4, 1)),
        f32('bias', [C, 1, 1], pseudoRandom(C, 2)),
        f32('g', [C], pseudoRandom(C, 3, 0.5, 2)),
        f32('b', [C], pseudoRandom(C, 4)),
        f32('m', [C], pseudoRandom(C, 5)),
        f32('v', [C], pseudoRandom(C, 6, 0.1, 2)),
      ],
    );
    const { optimised, report } = await optimiseAndCompare(m);
    expect(ops(optimised)).toEqual(['ConvTranspose', 'Relu']);
    expect(report.foldConvAffine).toBe(2);
  });

  it('leaves alone what it cannot prove equivalent', async () => {
    const m = model(
      [
        makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }),
        // [S] broadcasts along the last (width) axis, not per channel: must stay.
        makeNode('Mul', ['c', 'row'], ['m']),
        // c is also a graph output, so it cannot be folded away.
        makeNode('Conv', ['x', 'w'], ['c2'], { kernel_shape: [1, 1] }),
        makeNode('Add', ['c2', 'half'], ['y']),
        // A scalar multiply feeding a padded conv: not folded into it.
        makeNode('Mul', ['x', 'half'], ['xm']),
        makeNode('Conv', ['xm', 'w3'], ['z'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      ],
      [f32('w', [C, 3, 1, 1], pseudoRandom(C * 3, 1)), f32('row', [S], pseudoRandom(S, 2)), scalar('half', 0.5), f32('w3', [2, 3, 3, 3], pseudoRandom(54, 3))],
      ['m', 'c2', 'y', 'z'],
    );
    const { optimised, report } = await optimiseAndCompare(m, ['m', 'c2', 'y', 'z']);
    expect(ops(optimised)).toEqual(['Conv', 'Mul', 'Conv', 'Add', 'Mul', 'Conv']);
    expect(report).toMatchObject({ foldConvAffine: 0, foldAffineIntoConv: 0, affineToDepthwiseConv: 0 });
  });
});

describe('optimizeGraph on PP-OCRv4', () => {
  it('det: under a third of the nodes, the same probability map to 1e-4', async () => {
    const bytes = await readFile(DET_MODEL);
    const m = decodeOnnx(bytes, DET_MODEL);
    const report = optimizeGraph(m);
    expect(report.fuseHardSwish).toBe(24);
    expect(report.nodesAfter).toBeLessThan(report.nodesBefore / 3);
    expect(validateGraph(m.graph)).toEqual([]);
    const x = textLikeInput(64, 96);
    const outputs: Float32Array[] = [];
    for (const source of [bytes, encodeOnnx(m)]) {
      const s = await InferenceSession.create(source, { threads: 1 });
      outputs.push((await s.run({ x: { data: x, dims: [1, 3, 64, 96] } }))['sigmoid_0.tmp_0']!.data as Float32Array);
      await s.release();
    }
    // Rounding differences of ~1e-7 in the features grow to ~1e-5 where the final sigmoid is steep.
    expect(maxRelDiff(outputs[0]!, outputs[1]!)).toBeLessThan(1e-4);
    // A real map: text probability high on the drawn lines, low on the paper.
    expect(outputs[0]![20 * 96 + 40]).toBeGreaterThan(0.9);
    expect(outputs[0]![31 * 96 + 40]).toBeLessThan(0.1);
  });

  it('rec through InferenceSession({ optimize: true }): same logits to 1e-5', async () => {
    const x = pseudoRandom(3 * 48 * 160, 4, -1, 1);
    const plain = await InferenceSession.create(REC_MODEL, { threads: 1 });
    const fast = await InferenceSession.create(REC_MODEL, { threads: 1, optimize: true });
    try {
      expect(plain.optimizeReport).toBeUndefined();
      expect(fast.optimizeReport?.fuseHardSwish).toBe(28);
      expect(fast.inputs).toEqual(plain.inputs);
      expect(fast.outputs).toEqual(plain.outputs);
      const feeds = { x: { data: x, dims: [1, 3, 48, 160] } };
      const a = (await plain.run(feeds))[plain.outputs[0]!.name]!.data as Float32Array;
      const b = (await fast.run(feeds))[fast.outputs[0]!.name]!.data as Float32Array;
      expect(maxRelDiff(a, b)).toBeLessThan(1e-5);
    } finally {
      await plain.release();
      await fast.release();
    }
  });

  it('optimize: true on a file that is not ONNX fails like a plain load', async () => {
    await expect(InferenceSession.create(__filename, { optimize: true })).rejects.toMatchObject({ code: 'E_MODEL_FORMAT' });
    await expect(InferenceSession.create('/nonexistent/model.onnx', { optimize: true })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});
