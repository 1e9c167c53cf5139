import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SessionError } from '../src/errors';
import { encodeOnnx, makeGraph, makeModel, makeNode, makeValueInfo } from '../src/onnx/index';
import { InferenceSession, type TensorData } from '../src/session/index';
import { CONV_INPUT, convAddModel, convModel, pseudoRandom } from './onnx-fixtures';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'modelkit-session-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectMismatch(session: InferenceSession, feeds: Record<string, TensorData>, text: RegExp, outputs?: string[]): Promise<void> {
  const err = await session.run(feeds, outputs).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SessionError);
  expect((err as SessionError).code).toBe('E_TENSOR_MISMATCH');
  expect((err as SessionError).message).toMatch(text);
}

describe('InferenceSession', () => {
  it('loads from a path, bytes or an OnnxModel and gives the same plain results', async () => {
    const file = path.join(dir, 'conv.onnx');
    await writeFile(file, encodeOnnx(convModel()));
    const feeds = { x: { data: CONV_INPUT, dims: [1, 1, 3, 3] } };
    const sources = [file, encodeOnnx(convModel()), convModel()];
    for (const source of sources) {
      const session = await InferenceSession.create(source, { threads: 1, interOpThreads: 1, optimization: 'basic', spinning: false });
      expect(session.inputs).toEqual([{ name: 'x', dataType: 'float32', shape: [1, 1, 3, 3] }]);
      expect(session.outputs).toEqual([{ name: 'y', dataType: 'float32', shape: [1, 2, 2, 2] }]);
      const out = await session.run(feeds);
      expect(Object.keys(out)).toEqual(['y']);
      expect(out.y).not.toBeInstanceOf(ort.Tensor);
      expect(Object.keys(out.y!).sort()).toEqual(['data', 'dataType', 'dims']);
      expect(out.y!.dims).toEqual([1, 2, 2, 2]);
      expect(Array.from(out.y!.data as Float32Array)).toEqual([-14.75, -29.75, -119.75, -239.75, 12.5, 26, 107, 215]);
      await session.release();
    }
  });

  it('describes symbolic dims, accepts any size there, and selects outputs', async () => {
    const session = await InferenceSession.create(convAddModel(), { optimization: 'disabled' });
    expect(session.inputs[0]!.shape).toEqual(['N', 3, 32, 32]);
    const out = await session.run({ x: { data: pseudoRandom(2 * 3 * 32 * 32), dims: [2, 3, 32, 32] } }, ['y']);
    expect(out.y!.dims).toEqual([2, 8, 32, 32]);
    const y = out.y!.data as Float32Array;
    expect(Math.min(...y)).toBe(0); // Relu
    expect(Math.max(...y)).toBeGreaterThan(0);
    await session.release();
  });

  it('checks feeds before running, with messages naming the input', async () => {
    const session = await InferenceSession.create(convModel());
    const good = { data: CONV_INPUT, dims: [1, 1, 3, 3] };
    await expectMismatch(session, { x: good, extra: good }, /unknown input "extra".*The model takes: x float32\[1, 1, 3, 3\]/);
    await expectMismatch(session, {}, /missing input "x"/);
    await expectMismatch(session, { x: { data: Float64Array.from(CONV_INPUT), dims: [1, 1, 3, 3] } }, /"x" must be float32 \(Float32Array\), got float64/);
    await expectMismatch(session, { x: { data: CONV_INPUT, dims: [1, 3, 3] } }, /must have rank 4/);
    await expectMismatch(session, { x: { data: CONV_INPUT, dims: [1, 1, 9, 1] } }, /axis 2 must be 3/);
    await expectMismatch(session, { x: { data: CONV_INPUT, dims: [1, 1, 3, 4] } }, /9 elements but dims \[1, 1, 3, 4\] need 12/);
    await expectMismatch(session, { x: { data: CONV_INPUT, dims: [1, 1, 3, 3], dataType: 'bool' } }, /cannot be carried by Float32Array/);
    await expectMismatch(session, { x: good }, /unknown output "z"/, ['z']);
    expect(session.stats.runs).toBe(0); // nothing reached onnxruntime
    await session.release();
  });

  it('maps int64 and bool tensors', async () => {
    const model = makeModel(makeGraph({
      inputs: [makeValueInfo('a', 'int64', [3]), makeValueInfo('m', 'bool', [3])],
      outputs: [makeValueInfo('s', 'int64', [3]), makeValueInfo('n', 'bool', [3])],
      nodes: [makeNode('Add', ['a', 'a'], ['s']), makeNode('Not', ['m'], ['n'])],
    }));
    const session = await InferenceSession.create(model);
    expect(session.inputs.map((i) => i.dataType)).toEqual(['int64', 'bool']);
    const out = await session.run({ a: { data: new BigInt64Array([1n, -2n, 2n ** 40n]), dims: [3] }, m: { data: new Uint8Array([1, 0, 1]), dims: [3] } });
    expect(out.s).toEqual({ data: new BigInt64Array([2n, -4n, 2n ** 41n]), dims: [3], dataType: 'int64' });
    expect(Array.from(out.n!.data as Uint8Array)).toEqual([0, 1, 0]);
    expect(out.n!.dataType).toBe('bool');
    await session.release();
  });

  it('counts runs and time; release is idempotent and later runs fail clearly', async () => {
    const session = await InferenceSession.create(convModel());
    const feeds = { x: { data: CONV_INPUT, dims: [1, 1, 3, 3] } };
    await Promise.all([session.run(feeds), session.run(feeds), session.run(feeds)]);
    const stats = session.stats;
    expect(stats.runs).toBe(3);
    expect(stats.runMs).toBeGreaterThan(0);
    expect(stats.loadMs).toBeGreaterThan(0);
    await session.release();
    await session.release();
    expect(session.released).toBe(true);
    await expect(session.run(feeds)).rejects.toMatchObject({ code: 'E_SESSION_RELEASED' });
  });

  it('reports missing files, non-models and bad options with typed errors', async () => {
    const missing = path.join(dir, 'nope.onnx');
    await expect(InferenceSession.create(missing)).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining(missing) });
    const junk = path.join(dir, 'junk.onnx');
    await writeFile(junk, 'not a model');
    await expect(InferenceSession.create(junk)).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringContaining(junk) });
    await expect(InferenceSession.create(new Uint8Array([1, 2, 3]), { name: 'upload' })).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringContaining('upload') });
    await expect(InferenceSession.create(convModel(), { threads: -1 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
