/**
 * The one tsup setup of every modelkit package: ESM + CJS + d.ts for Node 20, with source
 * maps. A package's tsup.config.ts names its entry points and whether it needs the
 * `__dirname` shim (kits that find their bundled models and samples from the package root).
 */
import type { Options } from 'tsup';

/** Options of {@link packageConfig}. */
export interface PackageConfigOptions {
  /** Entry files, e.g. `['src/index.ts', 'src/cli.ts']`, or output name → file, e.g. `{ 'kit/index': 'src/kit/index.ts' }`. */
  entry: string[] | Record<string, string>;
  /** Provide `__dirname`/`__filename` in the ESM build too (default false). */
  shims?: boolean;
  /**
   * Share modules between entries in the CommonJS build too (esbuild's splitting is
   * ESM-only unless asked): needed when entries are subpaths of one package whose state
   * (error classes, registries) must exist once. Default false.
   */
  splitting?: boolean;
}

/** tsup options for one package. */
export function packageConfig({ entry, shims = false, splitting = false }: PackageConfigOptions): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'node20', shims, ...(splitting && { splitting: true }) };
}
