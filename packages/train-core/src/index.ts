export * from './backend/select-backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './backend/wasm-kernels/register';
export * from './models/small-cnn';
export * from './models/mobilenet-v2';
