import { InferenceSession, encodeOnnx, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '@modelkit/core';
import { NoiseMeter } from '../src/budget/output-error';
import { StaticQuantizer } from '../src/quantize/static-quantizer';
import { optimizedOps } from './fixtures/ort-optimized';
import { pseudoRandom } from './fixtures/tiny-models';

describe('Gemm layers', () => {
  it('quantizes a Gemm (transB) with an int32 bias into QGemm, and stays close', async () => {
    const model = makeModel(
      makeGraph({
        nodes: [makeNode('Gemm', ['x', 'w', 'b'], ['h'], { transB: 1 }, 'fc'), makeNode('Relu', ['h'], ['r'], {}, 'relu'), makeNode('Gemm', ['r', 'w2'], ['y'], {}, 'fc2')],
        inputs: [makeValueInfo('x', 'float32', [4, 32])],
        outputs: [makeValueInfo('y', 'float32', [4, 8])],
        initializers: [makeTensor('w', 'float32', [16, 32], pseudoRandom(512, 3, -0.4, 0.4)), makeTensor('b', 'float32', [16], pseudoRandom(16, 4, -0.2, 0.2)), makeTensor('w2', 'float32', [16, 8], pseudoRandom(128, 5, -0.4, 0.4))],
      }),
    );
    const feeds = [1, 2, 3, 4, 5, 6].map((s) => ({ x: { data: pseudoRandom(128, s), dims: [4, 32] } }));
    const q = await StaticQuantizer.create(model);
    for (const f of feeds) await q.add(f);
    await q.finish();
    const m = q.build();
    expect(q.layers().map((l) => l.opType)).toEqual(['Gemm', 'Gemm']);
    const ops = await optimizedOps(m);
    expect(ops.QGemm).toBe(2);
    const a = await InferenceSession.create(encodeOnnx(model));
    const b = await InferenceSession.create(encodeOnnx(m));
    const meter = new NoiseMeter();
    for (const f of feeds) meter.add(await a.run(f), await b.run(f));
    expect(meter.sqnr).toBeGreaterThan(25);
    await Promise.all([a.release(), b.release()]);
  });
});
