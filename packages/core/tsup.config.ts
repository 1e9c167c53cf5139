import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// The main entry and light subpaths (`@modelkit/core/kit`, `/registry`, …): a tool that
// needs only the kit contract or the registry does not load onnxruntime or sharp.
const SUBPATHS = ['image', 'geometry', 'session', 'registry', 'onnx', 'convert', 'kit', 'cli'];

export default defineConfig(
  packageConfig({
    entry: { index: 'src/index.ts', ...Object.fromEntries(SUBPATHS.map((s) => [`${s}/index`, `src/${s}/index.ts`])) },
    shims: true,
    splitting: true,
  }),
);
