/** Typed ONNX model IR: decode, edit, validate and encode ONNX models. */
export type { OnnxDataType, OnnxTensorData } from './data-types';
export { dataTypeFromNumber, dataTypeToNumber, isOnnxDataType, elementCount, dataLengthFor } from './data-types';
export type { OnnxTensor, OnnxValueInfo, OnnxAttributeType, OnnxOpaqueAttribute, OnnxAttributeValue, OnnxNode, OnnxGraph, OnnxOpsetImport, OnnxModel } from './types';
export { decodeOnnx, readOnnx } from './decode';
export { encodeOnnx, writeOnnx } from './encode';
export { inferAttributeType } from './attribute-kinds';
export { makeNode, makeTensor, makeValueInfo, makeGraph, makeModel } from './builders';
export { validateGraph, assertValidGraph } from './validate';
export {
  addNode, removeNode, replaceNode, findProducer, findConsumers, getInitializer, setInitializer,
  removeInitializer, renameTensor, topologicalSort, constantsToInitializers,
} from './edit';
export { optimizeGraph, type OptimizeReport, type OptimizePass } from './optimize/index';
