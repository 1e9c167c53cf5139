import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The package root (models/, samples/) is found from __dirname; the shim makes that
  // work in the ESM build too.
  shims: true,
});
