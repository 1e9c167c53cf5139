export type { LossFn, Reduction } from './loss';
export { crossEntropy, type CrossEntropyOptions } from './cross-entropy';
export { binaryCrossEntropy, type BinaryCrossEntropyOptions } from './binary-cross-entropy';
export { focalLoss, type FocalLossOptions } from './focal';
export { diceLoss, type DiceLossOptions } from './dice';
export { smoothL1Loss, type SmoothL1Options } from './smooth-l1';
export { balancedL1Loss, type BalancedL1Options } from './balanced-l1';
export { giouLoss } from './giou';
export { kdLoss, featureL2Loss, distillationLoss, type KdLossOptions, type DistillationLossOptions } from './distillation';
