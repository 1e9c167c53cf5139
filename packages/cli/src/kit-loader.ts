/**
 * The kits the CLI mounts: every installed package that declares a `modelkit` field in its
 * package.json (core's `discoverKits`), with commands generated from its kit definition
 * plus any it declares. No list of kits lives here: a new kit needs no CLI change.
 */
import { ErrorCodes, ModelkitError, discoverKits, isModelkitError, loadKitCommands, loadKitDefinition } from '@modelkit/core/kit';
import type { CliCommand } from '@modelkit/core/cli';
import type { DiscoveredKit, KitDefinition, KitModuleLoader } from '@modelkit/core/kit';
import type { ModelCard } from '@modelkit/core/registry';

/** What the CLI takes from one installed kit. */
export interface InstalledKit {
  /** Short kit name, e.g. `ocr`. */
  name: string;
  /** False for a package that only adds commands (serve, train). Default true. */
  isKit?: boolean;
  /** Its commands: generated from the kit definition, plus declared extras. */
  commands: CliCommand[];
  /** The kit's model cards (loading its main entry registers them). */
  loadModelCards(): Promise<ModelCard[]>;
  /** The kit's definition, when it has one (a commands-only package has none). */
  loadDefinition?(): Promise<KitDefinition | undefined>;
  /** Why the kit could not be loaded, when it could not (its command then reports this). */
  error?: string;
}

/** Finds the installed kits. Injected in tests so they never depend on real kits. */
export type KitLoader = () => Promise<InstalledKit[]>;

/** Options of {@link createKitLoader}. */
export interface KitLoaderOptions {
  /** node_modules folders to search (default: where Node would look from the CLI and the working directory). */
  nodeModules?: readonly string[];
  /** How a kit's modules are loaded (default: `require` from the kit's own folder). */
  load?: KitModuleLoader;
}

/**
 * A kit that is installed but fails to load (a missing dependency, an unbuilt `dist/`) keeps
 * its name in `--help` and answers every call with why, instead of breaking every other
 * command of the CLI.
 */
function brokenKit(found: DiscoveredKit, err: unknown): InstalledKit {
  // core's loader already says which package failed and how to fix it.
  const typed = isModelkitError(err) ? err : new ModelkitError(ErrorCodes.UNAVAILABLE, `${found.packageName}: ${String(err)}`, { cause: err });
  const message = typed.message;
  const fail = async (): Promise<never> => {
    throw typed;
  };
  return {
    name: found.name,
    error: message,
    commands: [{ name: found.name, description: `(not loadable) ${found.description}`, arguments: '[args...]', run: fail }],
    loadModelCards: fail,
  };
}

/** A loader over the installed kits, in their declared order. */
export function createKitLoader(options: KitLoaderOptions = {}): KitLoader {
  return async () =>
    discoverKits({ nodeModules: options.nodeModules }).map((found): InstalledKit => {
      try {
        return {
          name: found.name,
          isKit: found.kitSpecifier !== undefined,
          commands: loadKitCommands(found, options.load),
          loadModelCards: async () => [...(loadKitDefinition(found, options.load)?.modelCards ?? [])],
          loadDefinition: async () => loadKitDefinition(found, options.load),
        };
      } catch (err) {
        return brokenKit(found, err);
      }
    });
}
