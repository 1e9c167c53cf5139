import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, readOnnx } from '@modelkit/core';
import { parseInputShapes } from '../src/convert-command';
import { run } from './helpers';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// A tiny tfjs graph model written by the test: y = Relu(Conv2D_1x1(x, w) + b), x NHWC [-1,4,4,3].
const W = [0.5, -1, 0.25, 2, -0.5, 1]; // [1,1,3,2]: W[c*2 + o]
const B = [0.1, -0.2];
function writeTinyModel(dir: string): string {
  const weights = Buffer.alloc(4 * (W.length + B.length));
  [...W, ...B].forEach((v, i) => weights.writeFloatLE(v, 4 * i));
  const json = {
    format: 'graph-model',
    generatedBy: 'modelkit cli test',
    convertedBy: 'hand',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] } } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: {} } } },
        { name: 'b', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: {} } } },
        {
          name: 'conv',
          op: 'Conv2D',
          input: ['x', 'w'],
          attr: { T: { type: 'DT_FLOAT' }, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } },
        },
        { name: 'bias', op: 'BiasAdd', input: ['conv', 'b'], attr: { T: { type: 'DT_FLOAT' }, data_format: { s: b64('NHWC') } } },
        { name: 'y', op: 'Relu', input: ['bias'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [1, 1, 3, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }] }],
    signature: { outputs: { 'y:0': { name: 'y:0' } } },
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), weights);
  return join(dir, 'model.json');
}

describe('modelkit convert tfjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-cli-convert-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('converts a tfjs graph model, fixes the batch dim, and the ONNX file computes the same function', async () => {
    const modelJson = writeTinyModel(dir);
    const out = join(dir, 'out', 'tiny.onnx');
    const r = await run(['convert', 'tfjs', modelJson, out, '--input-shape', 'x=1,4,4,3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}`);
    expect(r.stdout).toContain('input  x float32 [1,4,4,3]');
    expect(r.stdout).toContain('output y float32 [1,4,4,2]');
    const model = await readOnnx(out);
    expect(model.graph.inputs[0].shape).toEqual([1, 4, 4, 3]);

    const x = Float32Array.from({ length: 48 }, (_, i) => ((i * 7) % 11) / 5 - 1);
    const session = await InferenceSession.create(out);
    try {
      const y = (await session.run({ x: { data: x, dims: [1, 4, 4, 3] } })).y;
      expect(y.dims).toEqual([1, 4, 4, 2]);
      for (let p = 0; p < 16; p++) {
        for (let o = 0; o < 2; o++) {
          let v = B[o];
          for (let c = 0; c < 3; c++) v += x[p * 3 + c] * W[c * 2 + o];
          expect((y.data as Float32Array)[p * 2 + o]).toBeCloseTo(Math.max(0, v), 5);
        }
      }
    } finally {
      await session.release();
    }
  });

  it('fails with one typed line for a missing model or a bad --input-shape', async () => {
    const missing = await run(['convert', 'tfjs', join(dir, 'nope.json'), join(dir, 'x.onnx')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/E_FILE_NOT_FOUND/);
    const modelJson = writeTinyModel(dir);
    const bad = await run(['convert', 'tfjs', modelJson, join(dir, 'y.onnx'), '--input-shape', 'x=1,four']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/input-shape.*\(E_USAGE\)/);
  });

  it('an unknown op names the op', async () => {
    const modelJson = writeTinyModel(dir);
    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    json.modelTopology.node[5].op = 'FancyOp';
    writeFileSync(modelJson, JSON.stringify(json));
    const r = await run(['convert', 'tfjs', modelJson, join(dir, 'z.onnx'), '--input-shape', 'x=1,4,4,3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/FancyOp.*\(E_UNSUPPORTED_OP\)/);
  });

  it('parses repeated --input-shape values', () => {
    expect(parseInputShapes(['a=1,2', 'b:0=3'])).toEqual({ a: [1, 2], 'b:0': [3] });
    expect(() => parseInputShapes(['a=1,,2'])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
