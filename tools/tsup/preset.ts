/**
 * The one tsup setup of every modelkit package: ESM + CJS + d.ts for Node 20, with source
 * maps. A package's tsup.config.ts names its entry points and whether it needs the
 * `__dirname` shim (kits that find their bundled models and samples from the package root).
 */
import type { Options } from 'tsup';

/** Options of {@link packageConfig}. */
export interface PackageConfigOptions {
  /** Entry files, e.g. `['src/index.ts', 'src/cli.ts']`. */
  entry: string[];
  /** Provide `__dirname`/`__filename` in the ESM build too (default false). */
  shims?: boolean;
}

/** tsup options for one package. */
export function packageConfig({ entry, shims = false }: PackageConfigOptions): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'node20', shims };
}
