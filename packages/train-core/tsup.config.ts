import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

// shims: the pretrained backbone is found from `__dirname` (src/package-dir.ts), in the ESM build too.
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts'], shims: true }));
