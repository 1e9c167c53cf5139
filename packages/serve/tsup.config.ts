import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// worker.ts is the worker threads' entry; the demo page and the worker script are found
// through __dirname, which the shim provides in the ESM build too.
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts', 'src/worker.ts'], shims: true }));
