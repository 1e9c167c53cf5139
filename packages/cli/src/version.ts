// Bundled into dist by tsup, so the version is right wherever the CLI is installed.
import packageJson from '../package.json';

/** The version of @modelkit/cli. */
export const version: string = packageJson.version;
