import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/preset';

export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] }));
