import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelError } from '../src/errors';
import {
  addNode, assertValidGraph, constantsToInitializers, decodeOnnx, encodeOnnx, findConsumers, findProducer, getInitializer,
  makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, readOnnx, removeInitializer, removeNode, renameTensor,
  replaceNode, setInitializer, topologicalSort, validateGraph, writeOnnx, type OnnxModel, type OnnxTensor,
} from '../src/onnx/index';
import { InferenceSession } from '../src/session/index';
import { CONV_INPUT, convModel } from './onnx-fixtures';

async function runOnce(model: OnnxModel, feeds: Record<string, Float32Array>, dims: number[]): Promise<number[]> {
  const session = await InferenceSession.create(model);
  try {
    const input = Object.fromEntries(Object.entries(feeds).map(([k, data]) => [k, { data, dims }]));
    const out = await session.run(input);
    return Array.from(Object.values(out)[0]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

function expectModelError(fn: () => unknown, code: string, text: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ModelError);
  expect((caught as ModelError).code).toBe(code);
  expect((caught as ModelError).message).toMatch(text);
}

describe('hand-built Conv model', () => {
  it('runs in onnxruntime with the hand-computed result', async () => {
    // y[c,i,j] = sum(W[c] * x[i:i+2, j:j+2]) + B[c] with x = 1,2,4 / 8,16,32 / 64,128,256.
    // ch0 W=[1,0;0,-1] B=0.25: 1-16, 2-32, 8-128, 16-256 (+0.25); ch1 W=0.5 B=-1: half the window sum - 1.
    const y = await runOnce(decodeOnnx(encodeOnnx(convModel())), { x: CONV_INPUT }, [1, 1, 3, 3]);
    expect(y).toEqual([-14.75, -29.75, -119.75, -239.75, 12.5, 26, 107, 215]);
  });

  it('an edited initializer changes the output as computed by hand', async () => {
    const model = decodeOnnx(encodeOnnx(convModel()));
    const w = getInitializer(model.graph, 'W')!;
    const data = (w.data as Float32Array).slice();
    for (let i = 0; i < 4; i++) data[i]! *= 2; // output channel 0 doubled
    data.fill(0, 4); // output channel 1 zeroed: only its bias (-1) is left
    setInitializer(model.graph, { ...w, data });
    const y = await runOnce(decodeOnnx(encodeOnnx(model)), { x: CONV_INPUT }, [1, 1, 3, 3]);
    expect(y).toEqual([-29.75, -59.75, -239.75, -479.75, -1, -1, -1, -1]);
  });

  it('round-trips through bytes to an equal IR and is stable on re-encoding', () => {
    const model = convModel();
    const bytes = encodeOnnx(model);
    const back = decodeOnnx(bytes);
    expect(back.graph.initializers).toEqual(model.graph.initializers);
    expect(back.graph.nodes[0]).toMatchObject({ opType: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['y'], attributes: { kernel_shape: [2, 2], strides: [1, 1] }, attributeTypes: { kernel_shape: 'ints', strides: 'ints' } });
    expect(back.graph.inputs).toEqual(model.graph.inputs);
    expect(back.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(Buffer.from(encodeOnnx(back)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('attributes and tensor storage', () => {
  it('keeps float attributes with integral values as floats when typed, and huge ints as bigints', async () => {
    const model = makeModel(makeGraph({
      inputs: [makeValueInfo('x', 'float32', [4])],
      outputs: [makeValueInfo('y', 'float32', [4])],
      // HardSigmoid(alpha=1, beta=0) = clamp(x, 0, 1); alpha/beta must be written as FLOAT.
      nodes: [makeNode('HardSigmoid', ['x'], ['y'], { alpha: 1, beta: 0 }, 'hs', { attributeTypes: { alpha: 'float', beta: 'float' } })],
    }));
    expect(await runOnce(model, { x: new Float32Array([-2, 0.25, 0.75, 3]) }, [4])).toEqual([0, 0.25, 0.75, 1]);

    const big = makeNode('Custom', ['x'], ['z'], { ends: [9223372036854775807n, -1, 5], s: 'text', f: 0.5 }, 'c', { domain: 'test' });
    const back = decodeOnnx(encodeOnnx(makeModel(makeGraph({ inputs: model.graph.inputs, outputs: [], nodes: [big] })))).graph.nodes[0]!;
    expect(back.attributes).toEqual({ ends: [9223372036854775807n, -1, 5], s: 'text', f: 0.5 });
    expect(back.attributeTypes).toEqual({ ends: 'ints', s: 'string', f: 'float' });
    expect(back.domain).toBe('test');
  });

  it('writes a tensor back to the field it came from (typed fields stay typed, raw stays raw)', () => {
    const proto = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        initializer: [
          { name: 'f', dataType: 1, dims: [3], floatData: [1.5, -2, 3.25] },
          { name: 'i', dataType: 7, dims: [2], int64Data: [-5, 7] },
          { name: 'h', dataType: 10, dims: [2], int32Data: [0x3c00, 0xc000] },
          { name: 'r', dataType: 6, dims: [2], rawData: new Uint8Array([1, 0, 0, 0, 255, 255, 255, 255]) },
        ],
      },
    });
    const model = decodeOnnx(onnx.ModelProto.encode(proto).finish());
    const [f, i, h, r] = model.graph.initializers as OnnxTensor[];
    expect(f!.data).toEqual(new Float32Array([1.5, -2, 3.25]));
    expect(i!.data).toEqual(new BigInt64Array([-5n, 7n]));
    expect(h).toMatchObject({ dataType: 'float16', data: new Uint16Array([0x3c00, 0xc000]) });
    expect(r!.data).toEqual(new Int32Array([1, -1]));
    const again = onnx.ModelProto.decode(encodeOnnx(model)).graph!.initializer!;
    expect(again[0]!.floatData).toEqual([1.5, -2, 3.25]);
    expect(again[0]!.rawData?.length ?? 0).toBe(0);
    expect(again[2]!.int32Data).toEqual([0x3c00, 0xc000]);
    expect(Array.from(again[3]!.rawData!)).toEqual([1, 0, 0, 0, 255, 255, 255, 255]);
  });

  it('keeps fields unknown to the onnx-proto schema (e.g. from a newer exporter)', () => {
    // Field 9 of NodeProto is metadata_props in ONNX 1.16+, unknown to onnx-proto 8 (ONNX 1.10).
    const node = onnx.NodeProto.encode(onnx.NodeProto.create({ input: ['x'], output: ['y'], opType: 'Relu' })).finish();
    const extra = Buffer.concat([Buffer.from([(9 << 3) | 2, 16]), Buffer.from('note-from-future')]);
    const graph = Buffer.concat([Buffer.from([(1 << 3) | 2, node.length + extra.length]), node, extra]);
    const model = Buffer.concat([Buffer.from([8, 8]), Buffer.from([(7 << 3) | 2, graph.length]), graph, Buffer.from([0x98, 0x06, 0x80, 0x01]) /* field 99 varint 128 */]);
    const ir = decodeOnnx(model, 'future.onnx');
    expect(ir.graph.nodes[0]).toMatchObject({ opType: 'Relu', inputs: ['x'], outputs: ['y'] });
    const out = Buffer.from(encodeOnnx(ir));
    expect(out.includes(extra)).toBe(true);
    expect(out.includes(Buffer.from([0x98, 0x06, 0x80, 0x01]))).toBe(true); // field 99, varint 128
  });
});

describe('editing', () => {
  it('renames a tensor everywhere and the renamed model runs under the new name', async () => {
    const model = convModel();
    renameTensor(model.graph, 'x', 'image');
    renameTensor(model.graph, 'W', 'conv.weight');
    expect(model.graph.inputs[0]!.name).toBe('image');
    expect(model.graph.nodes[0]!.inputs).toEqual(['image', 'conv.weight', 'B']);
    expect(getInitializer(model.graph, 'conv.weight')).toBeDefined();
    expect(await runOnce(model, { image: CONV_INPUT }, [1, 1, 3, 3])).toHaveLength(8);
    expect(() => renameTensor(model.graph, 'B', 'image')).toThrow(/already used/);
    expect(() => renameTensor(model.graph, 'nope', 'x2')).toThrow(/no such tensor/);
  });

  it('adds, replaces and removes nodes; finds producers and consumers', async () => {
    const model = convModel();
    const g = model.graph;
    renameTensor(g, 'y', 'c');
    g.outputs[0]!.name = 'y';
    addNode(g, makeNode('Relu', ['c'], ['y'], {}, 'act'));
    expect(findProducer(g, 'y')!.name).toBe('act');
    expect(findConsumers(g, 'c').map((n) => n.name)).toEqual(['act']);
    expect(await runOnce(model, { x: CONV_INPUT }, [1, 1, 3, 3])).toEqual([0, 0, 0, 0, 12.5, 26, 107, 215]);
    replaceNode(g, 'act', [makeNode('Neg', ['c'], ['n'], {}, 'neg'), makeNode('Relu', ['n'], ['y'], {}, 'act2')]);
    expect(await runOnce(model, { x: CONV_INPUT }, [1, 1, 3, 3])).toEqual([14.75, 29.75, 119.75, 239.75, 0, 0, 0, 0]);
    removeNode(g, 'neg');
    expect(validateGraph(g)).toEqual(['node 1 "act2" (Relu) reads "n", which no graph input, initializer or earlier node produces']);
    expect(() => removeNode(g, 'neg')).toThrow(/not in graph/);
    expect(removeInitializer(g, 'B')).toBe(true);
    expect(removeInitializer(g, 'B')).toBe(false);
  });

  it('sorts nodes topologically (stable) and reports cycles', async () => {
    const model = convModel();
    const g = model.graph;
    renameTensor(g, 'y', 'c');
    g.outputs[0]!.name = 'y';
    g.nodes.unshift(makeNode('Relu', ['r'], ['y'], {}, 'relu'), makeNode('Abs', ['c'], ['r'], {}, 'abs'));
    expect(validateGraph(g)).toHaveLength(2);
    topologicalSort(g);
    expect(g.nodes.map((n) => n.name)).toEqual(['conv0', 'abs', 'relu']);
    expect(validateGraph(g)).toEqual([]);
    expect(await runOnce(model, { x: CONV_INPUT }, [1, 1, 3, 3])).toEqual([14.75, 29.75, 119.75, 239.75, 12.5, 26, 107, 215]);
    g.nodes[0]!.inputs[0] = 'r';
    expectModelError(() => topologicalSort(g), 'E_MODEL_INVALID', /cycle/);
  });

  it('turns Constant nodes into initializers', async () => {
    const model = convModel();
    const g = model.graph;
    const w = getInitializer(g, 'W')!;
    removeInitializer(g, 'W');
    g.nodes.unshift(makeNode('Constant', [], ['W'], { value: { ...w, name: '' } }), makeNode('Constant', [], ['unused'], { value_ints: [1, 2] }));
    expect(constantsToInitializers(g)).toBe(2);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(getInitializer(g, 'W')!.data).toEqual(w.data);
    expect(getInitializer(g, 'unused')).toMatchObject({ dataType: 'int64', dims: [2], data: new BigInt64Array([1n, 2n]) });
    expect(await runOnce(model, { x: CONV_INPUT }, [1, 1, 3, 3])).toEqual([-14.75, -29.75, -119.75, -239.75, 12.5, 26, 107, 215]);
  });
});

describe('validation', () => {
  it('lists every reference problem and throws E_MODEL_INVALID', () => {
    const model = convModel();
    const g = model.graph;
    g.nodes.push(makeNode('Relu', ['ghost'], ['y'], {}, 'conv0'));
    g.outputs.push(makeValueInfo('missing', 'float32', null));
    g.initializers.push(makeTensor('B', 'float32', [1], [0]));
    g.initializers[0]!.dims = [3];
    const problems = validateGraph(g);
    expect(problems).toEqual([
      'initializer "W" has 8 values, dims [3] need 3',
      'initializer "B" appears more than once',
      'tensor "B" is defined more than once (again by an initializer)',
      'node name "conv0" is used by more than one node',
      'node 1 "conv0" (Relu) reads "ghost", which no graph input, initializer or earlier node produces',
      'tensor "y" is defined more than once (again by node 1 "conv0" (Relu))',
      'graph output "missing" is not produced by anything',
    ]);
    expectModelError(() => assertValidGraph(g), 'E_MODEL_INVALID', /7 problems[\s\S]*ghost/);
    expect(() => assertValidGraph(convModel().graph)).not.toThrow();
  });

  it('checks subgraphs against their enclosing scope', () => {
    const then = makeGraph({ name: 'then', inputs: [], outputs: [makeValueInfo('t', 'float32', null)], nodes: [makeNode('Identity', ['x'], ['t'])] });
    const other = makeGraph({ name: 'else', inputs: [], outputs: [makeValueInfo('e', 'float32', null)], nodes: [makeNode('Identity', ['nowhere'], ['e'])] });
    const g = makeGraph({
      inputs: [makeValueInfo('x', 'float32', null), makeValueInfo('cond', 'bool', [])],
      outputs: [makeValueInfo('y', 'float32', null)],
      nodes: [makeNode('If', ['cond'], ['y'], { then_branch: then, else_branch: other }, 'if')],
    });
    expect(validateGraph(g)).toEqual([
      'node 0 "if" (If).else_branch: node 0 "" (Identity) reads "nowhere", which no graph input, initializer or earlier node produces',
    ]);
    const back = decodeOnnx(encodeOnnx(makeModel(g)));
    expect((back.graph.nodes[0]!.attributes.then_branch as typeof then).nodes[0]!.inputs).toEqual(['x']);
  });
});

describe('bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'modelkit-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses garbage, empty and non-ONNX bytes with E_MODEL_FORMAT naming the file', async () => {
    expectModelError(() => decodeOnnx(new Uint8Array(0), 'empty.onnx'), 'E_MODEL_FORMAT', /empty\.onnx.*empty/);
    expectModelError(() => decodeOnnx(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34]), 'junk.onnx'), 'E_MODEL_FORMAT', /junk\.onnx is not an ONNX model/);
    const text = path.join(dir, 'notes.onnx');
    await writeFile(text, '{"this": "is json, not protobuf"}\n');
    await expect(readOnnx(text)).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringContaining(text) });
    await expect(readOnnx(path.join(dir, 'absent.onnx'))).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });

  it('writes atomically and reads back', async () => {
    const file = path.join(dir, 'conv.onnx');
    await writeOnnx(convModel(), file);
    const back = await readOnnx(file);
    expect(back.graph.nodes).toHaveLength(1);
    expect(Buffer.from(await readFile(file)).equals(Buffer.from(encodeOnnx(back)))).toBe(true);
  });
});
