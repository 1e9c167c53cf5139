// The PP-OCRv4 det model (weights in Constant nodes) through decode -> encode, and an edit
// of its first convolution, checked in onnxruntime.
import { readFile } from 'node:fs/promises';
import { decodeOnnx, encodeOnnx, findProducer, validateGraph, type OnnxModel, type OnnxTensor } from '../src/onnx/index';
import { InferenceSession } from '../src/session/index';
import { DET_MODEL, textLikeInput } from './onnx-fixtures';

const DIMS = [1, 3, 64, 64];
const INPUT = textLikeInput(64, 64);

/** Deep equality that compares typed arrays by bytes (jest's toEqual is very slow on MBs of weights). */
function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    return a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

async function detect(source: Uint8Array | string, x: Float32Array): Promise<Float32Array> {
  // Single thread: the same input must give the same bits in every session.
  const session = await InferenceSession.create(source, { threads: 1 });
  try {
    const out = await session.run({ x: { data: x, dims: DIMS } });
    return out['sigmoid_0.tmp_0']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('PP-OCRv4 det through the IR', () => {
  let original: Buffer;
  let model: OnnxModel;
  let reference: Float32Array;

  beforeAll(async () => {
    original = await readFile(DET_MODEL);
    model = decodeOnnx(original, DET_MODEL);
    reference = await detect(DET_MODEL, INPUT);
  });

  it('decodes the graph it declares', () => {
    const g = model.graph;
    expect(model.opsetImports).toEqual([{ domain: '', version: 11 }]);
    expect(g.inputs).toEqual([{ name: 'x', dataType: 'float32', shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'] }]);
    expect(g.outputs.map((o) => o.name)).toEqual(['sigmoid_0.tmp_0']);
    expect(g.initializers).toHaveLength(0);
    expect(g.nodes.filter((n) => n.opType === 'Conv').length).toBeGreaterThan(50);
    expect(g.nodes.filter((n) => n.opType === 'Constant').every((n) => n.attributeTypes?.value === 'tensor')).toBe(true);
    expect(validateGraph(g)).toEqual([]);
  });

  it('writes back a model onnxruntime runs bit-identically', async () => {
    const bytes = encodeOnnx(model);
    // Stable: the written model decodes to the same IR and re-encodes to the same bytes.
    const again = decodeOnnx(bytes);
    expect(sameValue(again, model)).toBe(true);
    expect(Buffer.from(encodeOnnx(again)).equals(Buffer.from(bytes))).toBe(true);
    const rewritten = await detect(bytes, INPUT);
    expect(reference.length).toBe(64 * 64);
    const inLine = reference[20 * 64 + 30]!, onPaper = reference[31 * 64 + 30]!, corner = reference[2 * 64 + 2]!;
    // The detector sees the drawn lines: text probability high on them, low between them.
    expect(inLine).toBeGreaterThan(0.9);
    expect(onPaper).toBeLessThan(0.1);
    expect(corner).toBeLessThan(0.1);
    expect(new Set(reference).size).toBeGreaterThan(200); // a real, varied output, not a constant map
    expect(bits(rewritten).equals(bits(reference))).toBe(true);
  });

  it('doubling the first Conv weights equals feeding the original model a doubled input', async () => {
    // conv(x; 2W, b) = sum((2w)x) + b = sum(w(2x)) + b, exactly in floating point (x2 is exact),
    // so the edited model on x must give the original model's output on 2x, bit for bit.
    const edited = decodeOnnx(original, DET_MODEL);
    const conv = edited.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.inputs[0]).toBe('x');
    const constant = findProducer(edited.graph, conv.inputs[1]!)!;
    expect(constant.opType).toBe('Constant');
    const weight = constant.attributes.value as OnnxTensor;
    expect(weight.dims.slice(1)).toEqual([3, 3, 3]);
    const w = weight.data as Float32Array;
    for (let i = 0; i < w.length; i++) w[i]! *= 2;

    const editedOut = await detect(encodeOnnx(edited), INPUT);
    const doubledIn = await detect(original, INPUT.map((v) => v * 2));
    expect(bits(editedOut).equals(bits(doubledIn))).toBe(true);
    expect(bits(editedOut).equals(bits(reference))).toBe(false);
  });
});
