export type { Metric } from './metric';
export { Accuracy } from './accuracy';
export { TopKAccuracy } from './top-k';
export { ConfusionMatrix } from './confusion-matrix';
export { PrecisionRecallF1 } from './precision-recall-f1';
export { MeanIou } from './miou';
