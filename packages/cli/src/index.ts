/**
 * @modelkit/cli: the `modelkit` program. {@link runCli} runs it in-process; the kits it
 * mounts come from `@modelkit/<kit>/cli` (see {@link createKitLoader}).
 */
export { runCli } from './run-cli';
export type { RunCliOptions } from './run-cli';
export { createKitLoader, isCliEntryMissing, isPackageMissing, KNOWN_KITS } from './kit-loader';
export type { InstalledKit, KitLoader, KitLoaderOptions, ModuleImporter } from './kit-loader';
export type { CliRegistry } from './models-command';
export { formatError } from './error-line';
export { version } from './version';
