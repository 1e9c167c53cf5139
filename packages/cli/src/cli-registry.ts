import type { ModelRegistry } from '@modelkit/core/registry';

/** The part of a model registry the CLI's `models` commands use. */
export type CliRegistry = Pick<ModelRegistry, 'register' | 'list' | 'get' | 'resolve' | 'verify'>;
