/**
 * @modelkit/cli: the `modelkit` program. {@link runCli} runs it in-process; the kits it
 * mounts are the installed packages that declare themselves (see {@link createKitLoader}).
 */
export { runCli } from './run-cli';
export type { RunCliOptions } from './run-cli';
export { createKitLoader } from './kit-loader';
export type { InstalledKit, KitLoader, KitLoaderOptions } from './kit-loader';
export type { CliRegistry } from './cli-registry';
export { formatError } from './error-line';
export { version } from './version';
