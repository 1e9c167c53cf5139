export * from './model-card';
export * from './env';
export { sha256File } from './sha256';
export { downloadFile, type DownloadOptions } from './download';
export * from './npm-file';
export * from './model-registry';
export * from './resolve-model';
export * from './model-set';
export * from '../errors';
