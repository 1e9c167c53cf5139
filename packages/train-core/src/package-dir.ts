import { join } from 'node:path';

/**
 * The package root, where `models/` lives: `bundled` model paths are relative to it.
 * src/ and dist/ both sit one level below it (the ESM build gets `__dirname` from tsup's shim).
 */
export const PACKAGE_DIR: string = join(__dirname, '..');
