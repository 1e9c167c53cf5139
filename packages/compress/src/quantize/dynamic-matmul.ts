/**
 * Dynamic int8 for MatMul only: weights stored as int8 per output column, activations
 * quantized at run time per tensor from their own min/max (DynamicQuantizeLinear), integer
 * products (MatMulInteger), then rescaled. onnxruntime fuses the chain into one
 * DynamicQuantizeMatMul. No calibration, and convolutions stay float: the safe choice for
 * models whose activations static ranges cannot cover (PP-OCR's recogniser).
 */
import { makeNode, makeTensor, topologicalSort } from '@modelkit/core';
import type { OnnxDataType, OnnxModel, OnnxNode } from '@modelkit/core';
import { GraphIndex, defaultOpset } from '../graph/graph-index';
import { prepareForCalibration } from '../graph/prepare';
import { upgradeOpset } from '../graph/upgrade-opset';
import { dropUnused } from './insert-qdq';
import { quantizeWeightsPerChannel } from './qparams';
import { loadModelCopy, type ModelInput } from './static-quantizer';

/** What {@link quantizeDynamicMatMul} did. */
export interface DynamicMatMulReport {
  /** MatMul nodes now running in int8. */
  quantized: string[];
  opsetFrom: number;
}

/**
 * Rewrites every MatMul with a constant 2-D weight (except `exclude`d node names) into
 * dynamic int8. Returns the new model (the source is not modified).
 */
export async function quantizeDynamicMatMul(source: ModelInput, options: { exclude?: Iterable<string> } = {}): Promise<{ model: OnnxModel; report: DynamicMatMulReport }> {
  const model = await loadModelCopy(source);
  // The same float rewrites as static quantization (weights out of Constant nodes, affine ops folded).
  prepareForCalibration(model);
  // DynamicQuantizeLinear is opset 11; the rest exists earlier.
  const opsetFrom = defaultOpset(model.opsetImports) < 11 ? upgradeOpset(model, 11) : defaultOpset(model.opsetImports);
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const exclude = new Set(options.exclude ?? []);
  const quantized: string[] = [];
  const nodes: OnnxNode[] = [];
  const constant = (hint: string, type: OnnxDataType, dims: number[], data: ArrayLike<number>): string => {
    const name = index.fresh(hint);
    graph.initializers.push(makeTensor(name, type, dims, data));
    return name;
  };
  for (const node of graph.nodes) {
    const w = node.opType === 'MatMul' && node.domain === '' ? index.initializer(node.inputs[1]) : undefined;
    if (w === undefined || w.dataType !== 'float32' || w.dims.length !== 2 || exclude.has(node.name)) {
      nodes.push(node);
      continue;
    }
    const [a] = node.inputs as [string];
    const y = node.outputs[0]!;
    const hint = node.name;
    const q = quantizeWeightsPerChannel(w.data as Float32Array, w.dims, 1);
    const n = q.scales.length;
    const wq = constant(`${w.name}/int8`, 'int8', w.dims, q.data);
    const wzp = constant(`${w.name}/zero_point`, 'int8', [n], new Int8Array(n));
    const ws = constant(`${w.name}/scale`, 'float32', [n], q.scales);
    const aq = index.fresh(`${hint}/a/quantized`);
    const as = index.fresh(`${hint}/a/scale`);
    const az = index.fresh(`${hint}/a/zero_point`);
    const prod = index.fresh(`${hint}/int32`);
    const prodF = index.fresh(`${hint}/int32/float`);
    const scale = index.fresh(`${hint}/scale`);
    nodes.push(
      makeNode('DynamicQuantizeLinear', [a], [aq, as, az], {}, index.fresh(`${hint}/DynamicQuantizeLinear`)),
      makeNode('MatMulInteger', [aq, wq, az, wzp], [prod], {}, index.fresh(`${hint}/MatMulInteger`)),
      makeNode('Cast', [prod], [prodF], { to: 1 }, index.fresh(`${hint}/Cast`)),
      makeNode('Mul', [as, ws], [scale], {}, index.fresh(`${hint}/ScaleMul`)),
      makeNode('Mul', [prodF, scale], [y], {}, node.name),
    );
    quantized.push(node.name);
  }
  graph.nodes = nodes;
  dropUnused(graph);
  topologicalSort(graph);
  return { model, report: { quantized, opsetFrom } };
}
