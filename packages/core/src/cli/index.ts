export * from './cli-command';
export * from './memory-io';
export * from './flags';
export * from './each-input';
export * from './output-paths';
export * from './schema-flags';
export * from './kit-commands';
// What commands need besides the template, without the heavy main entry.
export * from '../progress-bar';
export * from '../fs/index';
