export { Optimizer, type OptimizerState, type SlotState, type DecayFilter, type ParamGroups } from './optimizer';
export { Sgd, type SgdOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';
export { AdamW } from './adamw';
export { clipGradNorm } from './clip-grad-norm';
export { WeightEma, type EmaOptions } from './ema';
