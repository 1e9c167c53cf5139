export { convertTfjsGraphModel, convertTfjsGraph, readTfjsGraphModel, CONVERTER_OPSET } from './convert-tfjs';
export type { ConvertOptions, TfjsGraphModel } from './convert-tfjs';
export { supportedTfjsOps } from './op-table';
export { float16ToFloat32, float32ToFloat16 } from './tfjs-weights';
export type { ConstTensor, ConstDtype } from './const-tensor';
export type { TfjsModelJson, TfjsNode, TfjsWeightGroup, TfjsWeightEntry, TfjsAttrValue, TfjsShape, TfjsSignatureTensor } from './tfjs-model-json';
