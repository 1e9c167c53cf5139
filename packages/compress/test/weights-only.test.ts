import { InferenceSession, encodeOnnx, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '@modelkit/core';
import type { OnnxModel, TensorData } from '@modelkit/core';
import { NoiseMeter } from '../src/budget/output-error';
import { quantizeDynamicMatMul } from '../src/quantize/dynamic-matmul';
import { float32ToFloat16 } from '@modelkit/core';
import { compressStorage } from '../src/quantize/storage';
import { optimizedOps } from './fixtures/ort-optimized';
import { pseudoRandom, tinyCnn, tinyFeeds } from './fixtures/tiny-models';

async function sqnr(a: OnnxModel, b: OnnxModel, feeds: Record<string, TensorData>[]): Promise<number> {
  const sa = await InferenceSession.create(encodeOnnx(a), { threads: 1 });
  const sb = await InferenceSession.create(encodeOnnx(b), { threads: 1 });
  const m = new NoiseMeter();
  for (const f of feeds) m.add(await sa.run(f), await sb.run(f));
  await Promise.all([sa.release(), sb.release()]);
  return m.sqnr;
}

/** x [2, 5, 64] -> MatMul(64x96) -> Relu -> MatMul(96x32) -> y; opset 9, so the dynamic rewrite must raise it. */
function mlp(): OnnxModel {
  return makeModel(
    makeGraph({
      nodes: [makeNode('MatMul', ['x', 'w1'], ['h'], {}, 'fc1'), makeNode('Relu', ['h'], ['r'], {}, 'relu'), makeNode('MatMul', ['r', 'w2'], ['y'], {}, 'fc2')],
      inputs: [makeValueInfo('x', 'float32', [2, 5, 64])],
      outputs: [makeValueInfo('y', 'float32', [2, 5, 32])],
      initializers: [makeTensor('w1', 'float32', [64, 96], pseudoRandom(64 * 96, 1, -0.3, 0.3)), makeTensor('w2', 'float32', [96, 32], pseudoRandom(96 * 32, 2, -0.3, 0.3))],
    }),
    { opsetImports: [{ domain: '', version: 9 }] },
  );
}

describe('dynamic MatMul int8', () => {
  const feeds = [0, 1, 2].map((i) => ({ x: { data: pseudoRandom(640, 10 + i), dims: [2, 5, 64] } }));

  it('quantizes constant-weight MatMuls, close to float, fused by onnxruntime', async () => {
    const { model, report } = await quantizeDynamicMatMul(mlp());
    expect(report.quantized).toEqual(['fc1', 'fc2']);
    expect(report.opsetFrom).toBe(9);
    const ops = model.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(2);
    expect(ops.filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(2);
    expect(model.graph.initializers.filter((t) => t.dataType === 'float32' && t.dims.length > 1)).toEqual([]); // only 1-D scales stay float
    expect(await sqnr(mlp(), model, feeds)).toBeGreaterThan(30);
    const fused = await optimizedOps(model);
    expect(fused.DynamicQuantizeMatMul).toBe(2);
    expect(fused.MatMulInteger ?? 0).toBe(0);
  });

  it('leaves excluded MatMuls float', async () => {
    const { report } = await quantizeDynamicMatMul(mlp(), { exclude: ['fc2'] });
    expect(report.quantized).toEqual(['fc1']);
  });
});

describe('weight storage', () => {
  it('converts floats to IEEE half precision bits', () => {
    expect([0, 1, -2, 65504, 1e-8, Infinity, 0.1].map(float32ToFloat16)).toEqual([0, 0x3c00, 0xc000, 0x7bff, 0, 0x7c00, 0x2e66]);
  });

  for (const format of ['fp16', 'int8-weights'] as const) {
    it(`${format}: smaller weights, float arithmetic, outputs close to float`, async () => {
      const { model, report } = await compressStorage(tinyCnn(), format);
      expect(report.tensors).toBeGreaterThanOrEqual(1); // c2, the only weight over 256 values
      expect(report.bytesAfter).toBeLessThan(report.bytesBefore * (format === 'fp16' ? 0.51 : 0.35));
      const stored = model.graph.initializers.filter((t) => t.data.length >= 256);
      expect(stored.every((t) => t.dataType === (format === 'fp16' ? 'float16' : 'int8'))).toBe(true);
      expect(await sqnr(tinyCnn(), model, tinyFeeds(2, 40))).toBeGreaterThan(format === 'fp16' ? 50 : 25);
    });
  }
});
