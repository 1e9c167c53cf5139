/**
 * Smaller files without int8 arithmetic: weights stored as int8 (per output channel) or as
 * float16, turned back into float32 inside the graph. onnxruntime computes in float32 as
 * before: the file shrinks ~4x (int8) or ~2x (fp16) and the outputs move by the weights'
 * rounding only, but it runs slower (the weights are converted on every run and cannot be
 * pre-packed: NanoDet-g 51 -> 75 ms fp16, 84 ms int8 weights, measured here).
 */
import { float32ToFloat16, makeNode, makeTensor, topologicalSort } from '@modelkit/core';
import type { OnnxModel, OnnxNode, OnnxTensor } from '@modelkit/core';
import { GraphIndex, defaultOpset } from '../graph/graph-index';
import { prepareForCalibration } from '../graph/prepare';
import { upgradeOpset } from '../graph/upgrade-opset';
import { dropUnused } from './insert-qdq';
import { quantizeWeightsPerChannel } from './qparams';
import { loadModelCopy, type ModelInput } from './static-quantizer';

/** How {@link compressStorage} stores weights. */
export type StorageFormat = 'fp16' | 'int8-weights';

/** What {@link compressStorage} did. */
export interface StorageReport {
  format: StorageFormat;
  /** Initializers converted. */
  tensors: number;
  /** Their float32 bytes before and stored bytes after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** Tensors smaller than this stay float32: a Cast or DequantizeLinear per tiny bias costs more than it saves. */
const MIN_ELEMENTS = 256;

/** Whether `t`, read by `readers`, is a weight worth converting. */
function isWeight(t: OnnxTensor, readers: readonly OnnxNode[]): boolean {
  if (t.dataType !== 'float32' || t.data.length < MIN_ELEMENTS || readers.length === 0) return false;
  // Only tensors every reader takes as a weight input (index >= 1 of Conv/ConvTranspose/MatMul/Gemm).
  const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
  return readers.every((r) => WEIGHT_OPS.has(r.opType) && r.domain === '' && r.inputs.indexOf(t.name) >= 1);
}

/**
 * Stores the weights of Conv/ConvTranspose/MatMul/Gemm as `fp16` (Cast to float32 in the
 * graph) or `int8-weights` (per-channel symmetric int8 behind DequantizeLinear; opset raised
 * to 13 for per-axis scales). Returns a new model.
 */
export async function compressStorage(source: ModelInput, format: StorageFormat): Promise<{ model: OnnxModel; report: StorageReport }> {
  const model = await loadModelCopy(source);
  prepareForCalibration(model);
  if (format === 'int8-weights' && defaultOpset(model.opsetImports) < 13) upgradeOpset(model, 13);
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const report: StorageReport = { format, tensors: 0, bytesBefore: 0, bytesAfter: 0 };
  const front: OnnxNode[] = [];
  for (const t of [...graph.initializers]) {
    const readers = index.readers(t.name);
    if (!isWeight(t, readers)) continue;
    const values = t.data as Float32Array;
    const out = index.fresh(`${t.name}/float`);
    if (format === 'fp16') {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = float32ToFloat16(values[i]!);
      const name = index.fresh(`${t.name}/fp16`);
      graph.initializers.push(makeTensor(name, 'float16', t.dims, half));
      front.push(makeNode('Cast', [name], [out], { to: 1 }, index.fresh(`${t.name}/Cast`)));
      report.bytesAfter += half.byteLength;
    } else {
      // Conv weights [Cout, ...]: axis 0; ConvTranspose [Cin, Cout/g, ...] and MatMul [K, N]: axis 1.
      const axis = readers[0]!.opType === 'Conv' || (readers[0]!.opType === 'Gemm' && Number(readers[0]!.attributes.transB ?? 0) === 1) ? 0 : 1;
      if (t.dims.length < 2 || !readers.every((r) => r.opType === readers[0]!.opType)) continue;
      const q = quantizeWeightsPerChannel(values, t.dims, axis);
      const data = index.fresh(`${t.name}/int8`);
      const scale = index.fresh(`${t.name}/scale`);
      const zp = index.fresh(`${t.name}/zero_point`);
      const n = q.scales.length;
      graph.initializers.push(makeTensor(data, 'int8', t.dims, q.data), makeTensor(scale, 'float32', [n], q.scales), makeTensor(zp, 'int8', [n], new Int8Array(n)));
      front.push(makeNode('DequantizeLinear', [data, scale, zp], [out], { axis }, index.fresh(`${t.name}/DequantizeLinear`)));
      report.bytesAfter += q.data.byteLength + 4 * n + n;
    }
    report.bytesBefore += values.byteLength;
    report.tensors++;
    for (const r of readers) r.inputs = r.inputs.map((i) => (i === t.name ? out : i));
  }
  graph.nodes = [...front, ...graph.nodes];
  dropUnused(graph);
  topologicalSort(graph);
  return { model, report };
}
