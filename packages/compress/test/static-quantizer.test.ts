import { InferenceSession, encodeOnnx, validateGraph } from '@modelkit/core';
import type { OnnxModel, TensorData } from '@modelkit/core';
import { NoiseMeter } from '../src/budget/output-error';
import { StaticQuantizer } from '../src/quantize/static-quantizer';
import { optimizedOps } from './fixtures/ort-optimized';
import { tinyCnn, tinyFeeds } from './fixtures/tiny-models';

async function sqnr(reference: OnnxModel, candidate: OnnxModel, feeds: Record<string, TensorData>[]): Promise<number> {
  const a = await InferenceSession.create(encodeOnnx(reference), { threads: 1 });
  const b = await InferenceSession.create(encodeOnnx(candidate), { threads: 1 });
  const meter = new NoiseMeter();
  for (const f of feeds) meter.add(await a.run(f), await b.run(f));
  await Promise.all([a.release(), b.release()]);
  return meter.sqnr;
}

async function calibrated(method: 'minmax' | 'mse' = 'mse'): Promise<StaticQuantizer> {
  const q = await StaticQuantizer.create(tinyCnn(), { method, session: { threads: 1 } });
  for (const f of tinyFeeds(8)) await q.add(f);
  await q.finish();
  return q;
}

describe('StaticQuantizer on a small CNN', () => {
  let q: StaticQuantizer;
  beforeAll(async () => {
    q = await calibrated();
  });

  it('prepares the float graph: pads folded, opset kept at 18, Resize made full rank, same outputs', async () => {
    expect(q.prepareReport.foldedPads).toBe(2);
    expect(q.prepareReport.fullRankResizes).toBe(1);
    expect(q.model.graph.nodes.some((n) => n.opType === 'Pad')).toBe(false);
    const resize = q.model.graph.nodes.find((n) => n.opType === 'Resize')!;
    expect(resize.attributes.axes).toBeUndefined();
    // The prepared float model computes what the original did.
    expect(await sqnr(tinyCnn(), q.model, tinyFeeds(3, 100))).toBeGreaterThan(100);
  });

  it('lists every quantizable layer in graph order', () => {
    const ops = q.layers().map((l) => l.opType);
    expect(ops).toEqual(['Conv', 'Conv', 'LeakyRelu', 'Conv', 'HardSigmoid', 'Mul', 'Add', 'Concat', 'Conv', 'GlobalAveragePool', 'MatMul', 'Add']);
  });

  it('writes a valid QDQ graph: int8 per-channel weights, int32 biases, Relu folded into saturation, HardSigmoid rewritten', () => {
    const m = q.build();
    expect(validateGraph(m.graph)).toEqual([]);
    const ops = m.graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('HardSigmoid');
    expect(ops).not.toContain('Relu');
    const inits = new Map(m.graph.initializers.map((t) => [t.name, t]));
    const producer = new Map(m.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    for (const conv of m.graph.nodes.filter((n) => n.opType === 'Conv')) {
      const [x, w, b] = conv.inputs.map((i) => producer.get(i)!);
      expect([x!.opType, w!.opType, b!.opType]).toEqual(['DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear']);
      expect(inits.get(w!.inputs[0]!)!.dataType).toBe('int8');
      expect(inits.get(w!.inputs[1]!)!.dims).toEqual([inits.get(w!.inputs[0]!)!.dims[0]]); // one scale per output channel
      expect(w!.attributes.axis).toBe(0);
      expect(inits.get(b!.inputs[0]!)!.dataType).toBe('int32');
      // Every conv output goes to exactly one QuantizeLinear.
      const readers = m.graph.nodes.filter((n) => n.inputs.includes(conv.outputs[0]!));
      expect(readers.map((r) => r.opType)).toEqual(['QuantizeLinear']);
    }
    // Original float weights are gone: the file holds int8.
    expect(m.graph.initializers.filter((t) => t.dataType === 'float32' && t.data.length > 64)).toEqual([]);
  });

  it('stays close to the float model (SQNR > 20 dB on inputs it was not calibrated on)', async () => {
    expect(await sqnr(q.model, q.build(), tinyFeeds(4, 50))).toBeGreaterThan(20);
  });

  it('is fused by onnxruntime at level all into integer kernels', async () => {
    const ops = await optimizedOps(q.build());
    expect(ops.QLinearConv).toBeGreaterThanOrEqual(4);
    expect(ops.Conv ?? 0).toBe(0);
    expect(ops.QLinearAdd).toBeGreaterThanOrEqual(1);
    expect(ops.QLinearMul).toBeGreaterThanOrEqual(1);
    expect(ops.QLinearConcat).toBe(1);
    expect(ops.QLinearLeakyRelu).toBe(1);
    expect(ops.QLinearGlobalAveragePool).toBe(1);
    expect(ops.QLinearMatMul).toBe(1);
  });

  it('keeps excluded layers float and quantizes only the included ones', async () => {
    const keep = q.model.graph.nodes.find((n) => n.opType === 'Conv')!.name;
    const m = q.build({ exclude: [keep] });
    const first = m.graph.nodes.find((n) => n.name === keep)!;
    const inits = new Set(m.graph.initializers.map((t) => t.name));
    expect(inits.has(first.inputs[1]!)).toBe(true); // its float weight, read directly
    const only = q.build({ only: [keep] });
    expect(only.graph.nodes.filter((n) => n.opType === 'QuantizeLinear').length).toBeLessThan(m.graph.nodes.filter((n) => n.opType === 'QuantizeLinear').length);
    expect(await sqnr(q.model, only, tinyFeeds(2, 70))).toBeGreaterThan(await sqnr(q.model, q.build(), tinyFeeds(2, 70)));
  });

  it('never modifies its base model', () => {
    const before = encodeOnnx(q.model);
    q.build();
    q.build({ exclude: ['c2'] });
    expect(Buffer.compare(Buffer.from(encodeOnnx(q.model)), Buffer.from(before))).toBe(0);
  });

  it('bias correction moves each conv channel mean back toward float', async () => {
    const c = await calibrated('minmax');
    const feeds = tinyFeeds(6, 200);
    const before = c.build();
    expect(await c.correctBias(feeds)).toBe(4);
    const after = c.build();
    const biases = (m: OnnxModel): number[] => m.graph.initializers.filter((t) => t.dataType === 'int32').flatMap((t) => Array.from(t.data as Int32Array));
    expect(biases(after)).not.toEqual(biases(before));
    // On the inputs it was measured on, the corrected model is closer to float.
    expect(await sqnr(c.model, after, feeds)).toBeGreaterThan(await sqnr(c.model, before, feeds));
  });

  it('refuses to finish without calibration input', async () => {
    const empty = await StaticQuantizer.create(tinyCnn());
    await expect(empty.finish()).rejects.toMatchObject({ code: 'E_NO_CALIBRATION_DATA' });
    await empty.dispose();
  });
});
