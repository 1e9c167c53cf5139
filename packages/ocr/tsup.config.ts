import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// SAMPLE_IMAGE uses __dirname; the shim makes it work in the ESM build too.
export default defineConfig(packageConfig({ entry: ['src/index.ts'], shims: true }));
