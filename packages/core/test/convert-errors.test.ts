import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { convertTfjsGraphModel, supportedTfjsOps } from '../src/convert/index';
import { decodeWeightGroup, float16ToFloat32, float32ToFloat16 } from '../src/convert/tfjs-weights';
import type { ConstTensor } from '../src/convert/index';
import { ErrorCodes, ModelError } from '../src/errors';
import { A, GraphFixture } from './convert-fixtures';

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    const e = err as ModelError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('expected a ModelError');
}

describe('convertTfjsGraphModel errors', () => {
  it('names the op and node of an unmapped op', async () => {
    const g = new GraphFixture();
    const x = g.placeholder('x', [1, 4]);
    g.op('weird/node', 'FancyOp', [x]);
    const e = await codeOf(convertTfjsGraphModel(await g.write(['weird/node'])));
    expect(e.code).toBe(ErrorCodes.UNSUPPORTED_OP);
    expect(e.message).toContain('FancyOp');
    expect(e.message).toContain('weird/node');
    expect(e.details).toEqual({ node: 'weird/node', op: 'FancyOp' });
  });

  it('rejects computed values where a constant is required', async () => {
    const g = new GraphFixture();
    const x = g.placeholder('x', [1, 4]);
    const pads = g.placeholder('pads', [2, 2]);
    g.op('p', 'Pad', [x, pads]);
    const e = await codeOf(convertTfjsGraphModel(await g.write(['p'])));
    expect(e.code).toBe(ErrorCodes.UNSUPPORTED_OP);
    expect(e.message).toContain('paddings');
  });

  it('reports a missing or truncated weight shard and a non-model JSON', async () => {
    const g = new GraphFixture();
    const x = g.placeholder('x', [1, 4]);
    g.op('y', 'Add', [x, g.constant('c', [4], [1, 2, 3, 4])]);
    const path = await g.write(['y']);
    const shard = join(dirname(path), 'group1-shard1of1.bin');
    await writeFile(shard, (await readFile(shard)).subarray(0, 10));
    expect((await codeOf(convertTfjsGraphModel(path))).code).toBe(ErrorCodes.MODEL_FORMAT);
    await rm(shard);
    expect((await codeOf(convertTfjsGraphModel(path))).code).toBe(ErrorCodes.FILE_NOT_FOUND);
    await writeFile(path, JSON.stringify({ format: 'layers-model', modelTopology: {} }));
    expect((await codeOf(convertTfjsGraphModel(path))).code).toBe(ErrorCodes.MODEL_FORMAT);
    expect((await codeOf(convertTfjsGraphModel(join(dirname(path), 'nope.json')))).code).toBe(ErrorCodes.FILE_NOT_FOUND);
  });

  it('lists every op NanoDet, selfie and meet use as supported', () => {
    const ops = supportedTfjsOps();
    for (const op of ['Const', 'Placeholder', 'Conv2D', 'DepthwiseConv2dNative', 'Conv2DBackpropInput', 'Pad', 'PadV2', 'Transpose', 'Add', 'AddV2', 'AddN', 'Mul',
      'LeakyRelu', 'Relu', 'Relu6', 'Sigmoid', 'MaxPool', 'AvgPool', 'ConcatV2', 'ResizeBilinear', 'SplitV', 'Reshape', 'Identity', 'MatMul', 'BiasAdd']) {
      expect(ops).toContain(op);
    }
  });
});

describe('weight decoding', () => {
  it('float16 round-trips normal, subnormal and special values', () => {
    for (const v of [0, 1, -2.5, 65504, 6.1e-5, 5.96e-8, 0.1]) {
      // Half precision: 11 significant bits, subnormal step 2^-24.
      expect(Math.abs(float16ToFloat32(float32ToFloat16(v)) - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
    expect(float16ToFloat32(float32ToFloat16(Number.POSITIVE_INFINITY))).toBe(Number.POSITIVE_INFINITY);
    expect(float16ToFloat32(float32ToFloat16(Number.NaN))).toBeNaN();
  });

  it('dequantizes uint8 (v * scale + min), uint16 and float16, and reads float32/int32 in order', () => {
    const buf = Buffer.alloc(3 + 2 + 4 + 8 + 4);
    buf.set([0, 128, 255], 0);
    buf.writeUInt16LE(1000, 3);
    buf.writeUInt16LE(float32ToFloat16(-0.75), 5);
    buf.writeUInt16LE(float32ToFloat16(3), 7);
    buf.writeFloatLE(1.5, 9);
    buf.writeFloatLE(-2, 13);
    buf.writeInt32LE(-7, 17);
    const out = new Map<string, ConstTensor>();
    decodeWeightGroup(
      [
        { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'q16', shape: [1], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.01, min: 0 } },
        { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'f', shape: [2], dtype: 'float32' },
        { name: 'i', shape: [], dtype: 'int32' },
      ],
      buf,
      out,
    );
    expect(Array.from(out.get('q8')!.data)).toEqual([-1, 63, 126.5]);
    expect(out.get('q16')!.data[0]).toBeCloseTo(10, 5);
    expect(Array.from(out.get('h')!.data)).toEqual([-0.75, 3]);
    expect(Array.from(out.get('f')!.data)).toEqual([1.5, -2]);
    expect(out.get('i')).toEqual({ dtype: 'int32', shape: [], data: Int32Array.from([-7]) });
  });
});

// Keep the attribute helpers exercised by name so a refactor of A cannot silently drop one.
it('attribute helpers encode strings as base64', () => {
  expect(Buffer.from(A.s('SAME').s as string, 'base64').toString()).toBe('SAME');
});
