/**
 * Builds small tfjs graph models (model.json + one weight shard) in a temp dir, and runs a
 * model both in tfjs (cpu backend: exact float32 reference) and, converted, in
 * onnxruntime-node. Shared by the convert-*.test.ts files.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { convertTfjsGraphModel, type ConvertOptions } from '../src/convert/index';
import type { TfjsAttrValue, TfjsModelJson, TfjsNode, TfjsWeightEntry } from '../src/convert/index';
import { float32ToFloat16 } from '../src/convert/tfjs-weights';
import { encodeOnnx, type OnnxModel } from '../src/onnx/index';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** Attribute builders in model.json form. */
export const A = {
  s: (v: string): TfjsAttrValue => ({ s: b64(v) }),
  i: (v: number): TfjsAttrValue => ({ i: String(v) }),
  f: (v: number): TfjsAttrValue => ({ f: v }),
  b: (v: boolean): TfjsAttrValue => ({ b: v }),
  ints: (v: number[]): TfjsAttrValue => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): TfjsAttrValue => ({ list: { s: v.map(b64) } }),
  type: (v: string): TfjsAttrValue => ({ type: v }),
};

/** Deterministic pseudo-random numbers in [lo, hi). */
function seeded(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  };
}

/** Accumulates a tfjs graph model. */
export class GraphFixture {
  readonly nodes: TfjsNode[] = [];
  private readonly entries: TfjsWeightEntry[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly rand = seeded(7);

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: A.type('DT_FLOAT'), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  /** A constant; float weights may be stored as float16 or uint8-quantized. */
  constant(name: string, shape: number[], values: number[] | 'random', o: { dtype?: 'float32' | 'int32'; quant?: 'float16' | 'uint8' } = {}): string {
    const dtype = o.dtype ?? 'float32';
    const n = shape.reduce((a, d) => a * d, 1);
    const v = values === 'random' ? Array.from({ length: n }, () => this.rand(-0.5, 0.5)) : values;
    const entry: TfjsWeightEntry = { name, shape, dtype };
    let bytes: Buffer;
    if (o.quant === 'float16') {
      bytes = Buffer.alloc(2 * n);
      v.forEach((x, i) => bytes.writeUInt16LE(float32ToFloat16(x), 2 * i));
      entry.quantization = { dtype: 'float16', original_dtype: 'float32' } as TfjsWeightEntry['quantization'];
    } else if (o.quant === 'uint8') {
      const min = Math.min(...v);
      const scale = (Math.max(...v) - min) / 255 || 1;
      bytes = Buffer.from(v.map((x) => Math.round((x - min) / scale)));
      entry.quantization = { dtype: 'uint8', scale, min, original_dtype: 'float32' };
    } else {
      bytes = Buffer.alloc(4 * n);
      v.forEach((x, i) => (dtype === 'int32' ? bytes.writeInt32LE(x, 4 * i) : bytes.writeFloatLE(x, 4 * i)));
    }
    this.entries.push(entry);
    this.chunks.push(bytes);
    this.nodes.push({ name, op: 'Const', attr: { dtype: A.type(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT'), value: { tensor: {} } } });
    return name;
  }

  ints(name: string, values: number[], shape = [values.length]): string {
    return this.constant(name, shape, values, { dtype: 'int32' });
  }

  op(name: string, op: string, inputs: string[], attr: Record<string, TfjsAttrValue> = {}): string {
    this.nodes.push({ name, op, input: inputs, attr: { T: A.type('DT_FLOAT'), ...attr } });
    return name;
  }

  /** Writes model.json + shard into a new temp dir; returns the model.json path. */
  async write(outputs: string[], shardName = 'group1-shard1of1.bin'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'modelkit-convert-'));
    await mkdir(dir, { recursive: true });
    const json: TfjsModelJson = {
      format: 'graph-model',
      generatedBy: 'modelkit test',
      convertedBy: 'hand',
      modelTopology: { node: this.nodes, versions: { producer: 1 } },
      weightsManifest: [{ paths: [shardName], weights: this.entries }],
      signature: { outputs: Object.fromEntries(outputs.map((o) => [tfName(o), { name: tfName(o) }])) },
    };
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await writeFile(join(dir, shardName), Buffer.concat(this.chunks));
    return join(dir, 'model.json');
  }
}

/** `node` → `node:0`; `node:1` stays. */
const tfName = (o: string) => (/:\d+$/.test(o) ? o : `${o}:0`);

/** Loads a tfjs graph model from disk without fetch. */
async function loadTfjs(json: TfjsModelJson, weights: Buffer): Promise<tfconv.GraphModel> {
  const weightData = new Uint8Array(weights).buffer as ArrayBuffer;
  return tfconv.loadGraphModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[], weightData, format: json.format, signature: json.signature }),
  });
}

export interface ParityResult {
  model: OnnxModel;
  /** Per output: max |ORT − tfjs| and the shapes both produced. */
  outputs: Record<string, { maxDiff: number; ortDims: number[]; tfjsDims: number[] }>;
}

/** Converts `modelJsonPath`, runs it in ORT and in tfjs on the same seeded input, and compares. */
export async function runParity(modelJsonPath: string, inputShape: number[], options: ConvertOptions = {}): Promise<ParityResult> {
  await tf.setBackend('cpu');
  const model = await convertTfjsGraphModel(modelJsonPath, options);
  const fs = await import('node:fs/promises');
  const json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as TfjsModelJson;
  const shard = await fs.readFile(join(modelJsonPath, '..', json.weightsManifest[0].paths[0]));
  const rand = seeded(42);
  const data = Float32Array.from({ length: inputShape.reduce((a, d) => a * d, 1) }, () => rand(-1, 1));
  const session = await ort.InferenceSession.create(encodeOnnx(model));
  const names = model.graph.outputs.map((o) => o.name);
  const inputName = model.graph.inputs[0].name;
  const got = await session.run({ [inputName]: new ort.Tensor('float32', data, inputShape) });
  await session.release();
  const tfModel = await loadTfjs(json, shard);
  const x = tf.tensor(data, inputShape, 'float32');
  const raw = tfModel.execute(x, names.map(tfName));
  const refs = Array.isArray(raw) ? raw : [raw];
  const outputs: ParityResult['outputs'] = {};
  names.forEach((n, i) => {
    const ref = refs[i].dataSync();
    const a = got[n].data as Float32Array;
    let maxDiff = a.length === ref.length ? 0 : Number.POSITIVE_INFINITY;
    for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - ref[k]));
    outputs[n] = { maxDiff, ortDims: [...got[n].dims], tfjsDims: refs[i].shape };
  });
  tf.dispose([x, ...refs]);
  tfModel.dispose();
  return { model, outputs };
}
