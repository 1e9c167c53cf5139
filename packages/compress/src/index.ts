/**
 * @modelkit/compress — int8 quantization of ONNX models on core's ONNX IR, calibrated with
 * onnxruntime-node through the kits' own preprocessing, with an accuracy budget measured by
 * the kits' evaluators; fp16 and int8 weight storage.
 */
export { quantizeKit, int8Id } from './quantize-kit';
export type { QuantizeKitOptions, QuantizeKitResult } from './quantize-kit';
export { StaticQuantizer, loadModelCopy } from './quantize/static-quantizer';
export type { StaticQuantizerOptions, QuantLayer, ModelInput } from './quantize/static-quantizer';
export { quantizeDynamicMatMul } from './quantize/dynamic-matmul';
export type { DynamicMatMulReport } from './quantize/dynamic-matmul';
export { compressStorage } from './quantize/storage';
export type { StorageFormat, StorageReport } from './quantize/storage';
export { planQuantization } from './quantize/plan';
export type { QuantPlan, TensorQuant, PlanOptions } from './quantize/plan';
export { insertQdq } from './quantize/insert-qdq';
export { quantRole } from './quantize/op-rules';
export type { QuantRole } from './quantize/op-rules';
export { uint8Params, quantizeWeightsPerChannel, quantizeBias, roundHalfEven } from './quantize/qparams';
export type { QParams, Range, QuantizedWeights } from './quantize/qparams';
export type { TensorInfo, TensorInfoMap } from './quantize/tensor-info';
export { TensorHistogram } from './calibrate/histogram';
export { computeRange } from './calibrate/range-methods';
export type { CalibrationMethod, RangeOptions } from './calibrate/range-methods';
export { RangeCollector, outputTensors } from './calibrate/collect-ranges';
export type { CollectorOptions } from './calibrate/collect-ranges';
export { prepareForCalibration, prepareForQdq, nameNodes } from './graph/prepare';
export type { PrepareReport } from './graph/prepare';
export { foldPads } from './graph/fold-pads';
export { upgradeOpset } from './graph/upgrade-opset';
export { resizeToFullRank } from './graph/resize-full-rank';
export { MIN_SPEEDUP } from './budget/choose-model';
export { layerSensitivity } from './budget/sensitivity';
export type { LayerSensitivity, SensitivityOptions } from './budget/sensitivity';
export { NoiseMeter, outputSqnr, referenceOutputs } from './budget/output-error';
export { searchKeptLayers } from './budget/select-layers';
export type { BudgetStep, BudgetSearchOptions } from './budget/select-layers';
export { timeInterleaved, median } from './speed/interleaved-timing';
export type { TimedModel, TimingOptions, TimingResult } from './speed/interleaved-timing';
export { FeedCapture } from './capture/feed-capture';
export type { CapturedRun } from './capture/feed-capture';
export { KIT_METRICS, readMetric } from './kit/kit-metrics';
export { imageModelKit } from './kit/image-model-kit';
export { formatReport } from './report/format-report';
export type { CompressReport, ModelReport, CandidateReport, LayerReport } from './report/report-types';
