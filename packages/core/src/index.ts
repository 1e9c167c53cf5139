export * from './errors';
export * from './progress';
export * from './cli-command';
export * from './image/index';
export * from './geometry/index';
export * from './onnx/index';
export * from './session/index';
export * from './registry/index';
