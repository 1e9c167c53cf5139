/** Small constructors for IR objects, for building or patching models in code. */
import { InvalidArgumentError } from '../errors';
import { arrayTypeOf, dataLengthFor, type OnnxDataType, type OnnxTensorData } from './data-types';
import type { OnnxAttributeType, OnnxAttributeValue, OnnxGraph, OnnxModel, OnnxNode, OnnxOpsetImport, OnnxTensor, OnnxValueInfo } from './types';

/**
 * A node. `attributeTypes` pins attribute kinds where inference would guess wrong
 * (a float attribute with an integral value, e.g. `{ alpha: 'float' }`).
 */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, OnnxAttributeValue> = {},
  name = '',
  options: { domain?: string; attributeTypes?: Record<string, OnnxAttributeType> } = {},
): OnnxNode {
  const node: OnnxNode = { name, opType, domain: options.domain ?? '', inputs: inputs.slice(), outputs: outputs.slice(), attributes: { ...attributes } };
  if (options.attributeTypes) node.attributeTypes = { ...options.attributeTypes };
  return node;
}

/**
 * A tensor. `data` may be a typed array of the right class or a plain array (converted).
 * @throws InvalidArgumentError when the data length does not match `dims`.
 */
export function makeTensor(name: string, dataType: OnnxDataType, dims: readonly number[], data: OnnxTensorData | ArrayLike<number> | readonly bigint[] | readonly string[]): OnnxTensor {
  let typed: OnnxTensorData;
  const Ctor = arrayTypeOf(dataType);
  if (Ctor === null) {
    typed = Array.from(data as ArrayLike<string>, String);
  } else if (data instanceof Ctor) {
    typed = data as OnnxTensorData;
  } else if (dataType === 'int64' || dataType === 'uint64') {
    const values = Array.from(data as ArrayLike<number | bigint>, (v) => BigInt(v));
    typed = dataType === 'int64' ? BigInt64Array.from(values) : BigUint64Array.from(values);
  } else {
    typed = Ctor.from(data as ArrayLike<number>) as OnnxTensorData;
  }
  const expected = dataLengthFor(dataType, dims);
  if (typed.length !== expected) {
    throw new InvalidArgumentError(`tensor "${name}": ${typed.length} values for dims [${dims.join(', ')}] of ${dataType}, expected ${expected}`, { details: { tensor: name } });
  }
  return { name, dataType, dims: dims.slice(), data: typed };
}

/** A value info (graph input/output declaration). */
export function makeValueInfo(name: string, dataType: OnnxDataType | null, shape: (number | string | null)[] | null): OnnxValueInfo {
  return { name, dataType, shape: shape === null ? null : shape.slice() };
}

/** A graph from its parts. */
export function makeGraph(parts: Partial<OnnxGraph> & Pick<OnnxGraph, 'nodes' | 'inputs' | 'outputs'>): OnnxGraph {
  return { name: parts.name ?? 'graph', inputs: parts.inputs, outputs: parts.outputs, nodes: parts.nodes, initializers: parts.initializers ?? [], valueInfo: parts.valueInfo ?? [] };
}

/** A model around `graph`; defaults: IR version 8, default-domain opset 13, producer "modelkit". */
export function makeModel(graph: OnnxGraph, options: { irVersion?: number; opsetImports?: OnnxOpsetImport[]; producerName?: string; producerVersion?: string } = {}): OnnxModel {
  return {
    irVersion: options.irVersion ?? 8,
    opsetImports: options.opsetImports ?? [{ domain: '', version: 13 }],
    producerName: options.producerName ?? 'modelkit',
    producerVersion: options.producerVersion ?? '',
    domain: '',
    modelVersion: 0,
    docString: '',
    metadata: [],
    graph,
  };
}
