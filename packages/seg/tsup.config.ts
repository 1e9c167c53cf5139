import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// Model and sample paths use __dirname; the shim makes them work in the ESM build too.
export default defineConfig(packageConfig({ entry: ['src/index.ts'], shims: true }));
