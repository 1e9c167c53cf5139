import type { CliCommand, ModelCard } from '@modelkit/core';

/** The kits the CLI looks for, in the order their commands appear in `--help`. */
export const KNOWN_KITS: readonly string[] = ['ocr', 'det', 'seg', 'videotag', 'train-core', 'serve'];

/** What the CLI takes from one installed kit. */
export interface InstalledKit {
  /** Short kit name, e.g. `ocr` for `@modelkit/ocr`. */
  name: string;
  /** The kit's commands, from `@modelkit/<kit>/cli`. */
  commands: CliCommand[];
  /**
   * Loads the kit's main entry (which registers its cards into `defaultRegistry`) and
   * returns its `modelCards`. Lazy because the main entry pulls in inference code that
   * `--help` does not need.
   */
  loadModelCards(): Promise<ModelCard[]>;
}

/** Finds the installed kits. Injected in tests so they never depend on real kits. */
export type KitLoader = () => Promise<InstalledKit[]>;

/** Imports a module by specifier; `import()` by default. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Options of {@link createKitLoader}. */
export interface KitLoaderOptions {
  /** Kit names to try; default {@link KNOWN_KITS}. */
  kits?: readonly string[];
  /** How to import `@modelkit/<kit>/cli` and `@modelkit/<kit>`; default dynamic `import()`. */
  importModule?: ModuleImporter;
}

// The CommonJS build (what the bin runs) must `require` kits: `import()` would load the
// kits' ESM builds and with them a second copy of @modelkit/core, whose error classes
// and state differ from the copy the CLI uses. The ESM build has no `require` and imports.
// A variable specifier keeps bundlers from resolving kits at build time: they are
// optional peers and usually absent.
// (`module`, not `require`: bundlers replace a bare `require` in ESM output with a shim
// that throws, while `module` is left alone and is simply undefined in ESM.)
const defaultImporter: ModuleImporter = async (specifier) =>
  typeof module !== 'undefined' && typeof module.require === 'function' ? (module.require(specifier) as unknown) : import(specifier);

/**
 * A loader that imports `@modelkit/<kit>/cli` for every known kit and skips the kits that
 * are not installed. Only "this kit's package is missing" is skipped: a kit that is
 * installed but fails to load (a missing dependency of its own, a syntax error, an unbuilt
 * `dist/`) is an error the user must see.
 */
export function createKitLoader(options: KitLoaderOptions = {}): KitLoader {
  const kits = options.kits ?? KNOWN_KITS;
  const importModule = options.importModule ?? defaultImporter;
  return async () => {
    const installed: InstalledKit[] = [];
    for (const name of kits) {
      const packageName = `@modelkit/${name}`;
      let cliModule: unknown;
      try {
        cliModule = await importModule(`${packageName}/cli`);
      } catch (err) {
        if (isPackageMissing(err, packageName)) continue;
        // An installed kit without a `./cli` entry has no commands, but its models still
        // count; refusing to start would let one incomplete kit break every command.
        if (!isCliEntryMissing(err, packageName)) throw err;
        cliModule = { commands: [] };
      }
      installed.push({
        name,
        commands: readCommands(cliModule, `${packageName}/cli`),
        loadModelCards: async () => readModelCards(await importModule(packageName), packageName),
      });
    }
    return installed;
  };
}

/**
 * True when `err` says the package itself (or its `/cli` entry) cannot be found, as
 * opposed to a module the package needs.
 */
export function isPackageMissing(err: unknown, packageName: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  // Node names the missing module on the first line: CommonJS "Cannot find module 'x'",
  // ESM "Cannot find package 'x' imported from ...". Match the quoted name exactly, so a
  // missing '@modelkit/ocr-extra' or a dependency of the kit is not mistaken for the kit.
  const firstLine = err.message.split('\n', 1)[0] ?? '';
  return firstLine.includes(`'${packageName}'`) || firstLine.includes(`'${packageName}/cli'`);
}

/** True when `err` says the installed package has no `./cli` subpath in its `exports`. */
export function isCliEntryMissing(err: unknown, packageName: string): boolean {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') return false;
  // "Package subpath './cli' is not defined by "exports" in /x/node_modules/@modelkit/y/package.json"
  const message = err.message.replace(/\\/g, '/');
  return message.includes("'./cli'") && message.includes(`/${packageName}/package.json`);
}

function exportOf(mod: unknown, name: string): unknown {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return undefined;
  const record = mod as Record<string, unknown>;
  if (name in record) return record[name];
  // A CommonJS kit imported through `import()` may put its exports under `default`.
  const fallback = record['default'];
  if (fallback !== null && typeof fallback === 'object') return (fallback as Record<string, unknown>)[name];
  return undefined;
}

function readCommands(mod: unknown, specifier: string): CliCommand[] {
  const commands = exportOf(mod, 'commands');
  if (!Array.isArray(commands)) {
    throw new TypeError(`${specifier} does not export a 'commands' array`);
  }
  for (const command of commands) {
    if (command === null || typeof command !== 'object' || typeof (command as CliCommand).name !== 'string') {
      throw new TypeError(`${specifier} exports a command without a name`);
    }
  }
  return commands as CliCommand[];
}

function readModelCards(mod: unknown, specifier: string): ModelCard[] {
  const cards = exportOf(mod, 'modelCards');
  // A kit without models (e.g. train-core) may leave `modelCards` out.
  if (cards === undefined) return [];
  if (!Array.isArray(cards)) throw new TypeError(`${specifier} exports 'modelCards' that is not an array`);
  return cards as ModelCard[];
}
