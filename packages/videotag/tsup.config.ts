import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// The package root (models/) is found from __dirname; the shim makes that work in the ESM
// build too.
export default defineConfig(packageConfig({ entry: ['src/index.ts'], shims: true }));
