export * from './option-schema';
export * from './session-options';
export * from './serial-queue';
export * from './kit-definition';
export * from './define-kit';
export * from './discover-kits';
export * from './load-kit';
// Kit authors need the typed errors and progress events without the heavy main entry.
export * from '../errors';
export * from '../progress';
