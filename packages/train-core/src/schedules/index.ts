export { constantLr, type LrSchedule } from './lr-schedule';
export { cosineWarmup, type CosineWarmupOptions } from './cosine-warmup';
export { piecewiseLr, type PiecewiseOptions } from './piecewise';
export { exponentialLr, type ExponentialOptions } from './exponential';
export { oneCycleLr, type OneCycleOptions } from './one-cycle';
