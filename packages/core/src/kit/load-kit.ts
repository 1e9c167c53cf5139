/**
 * Loading what a discovered kit offers: its kit definition (for the server, batch jobs and
 * the generated commands) and its extra commands.
 */
import { ErrorCodes, ModelkitError } from '../errors';
import type { CliCommand } from '../cli/cli-command';
import { kitCommands } from '../cli/kit-commands';
import { discoverKits, requireFromKit } from './discover-kits';
import type { DiscoverKitsOptions, DiscoveredKit } from './discover-kits';
import type { KitDefinition } from './kit-definition';

/** Loads a module of a kit by specifier; default {@link requireFromKit}. Injected in tests. */
export type KitModuleLoader = (kit: DiscoveredKit, specifier: string) => unknown;

function exportOf(mod: unknown, name: string): unknown {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return undefined;
  const record = mod as Record<string, unknown>;
  if (name in record) return record[name];
  // A CommonJS module imported through `import()` may put its exports under `default`.
  const fallback = record['default'];
  return fallback !== null && typeof fallback === 'object' ? (fallback as Record<string, unknown>)[name] : undefined;
}

/**
 * Loads a kit's module; a kit that is installed but cannot load (a missing dependency, an
 * unbuilt dist/, a syntax error) becomes a typed error naming the package and the fix.
 */
function loadModule(found: DiscoveredKit, specifier: string, load: KitModuleLoader): unknown {
  try {
    return load(found, specifier);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
    throw new ModelkitError(
      ErrorCodes.UNAVAILABLE,
      `${found.packageName} is installed but cannot be loaded: ${why}; reinstall it (npm i ${found.packageName}) or set MODELKIT_DEBUG=1 for details`,
      { cause: err, details: { kit: found.name, package: found.packageName } },
    );
  }
}

/** True when `v` has the shape {@link defineKit} produces. */
export function isKitDefinition(v: unknown): v is KitDefinition {
  const k = v as Partial<KitDefinition> | null | undefined;
  return (
    !!k &&
    typeof k.name === 'string' &&
    typeof k.load === 'function' &&
    typeof k.createRunner === 'function' &&
    typeof k.run === 'function' &&
    Array.isArray(k.modelCards) &&
    typeof k.createOptions === 'object' &&
    typeof k.runOptions === 'object'
  );
}

/**
 * The kit definition of a discovered kit, or undefined when it declares none (a package
 * that only adds commands, such as serve).
 * @throws ModelkitError `E_KIT_NOT_FOUND` when the declared module does not export a kit
 *   named as declared; a kit that fails to load (missing dependency, unbuilt) throws its own error.
 */
export function loadKitDefinition(found: DiscoveredKit, load: KitModuleLoader = requireFromKit): KitDefinition | undefined {
  if (found.kitSpecifier === undefined) return undefined;
  const kit = exportOf(loadModule(found, found.kitSpecifier, load), 'kit');
  if (!isKitDefinition(kit)) {
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `${found.kitSpecifier} declares a modelkit kit but does not export 'kit' made with defineKit`, {
      details: { kit: found.name, package: found.packageName },
    });
  }
  if (kit.name !== found.name) {
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `${found.packageName} declares kit '${found.name}' but its kit is named '${kit.name}'`, {
      details: { kit: found.name, package: found.packageName },
    });
  }
  return kit;
}

/** The CLI commands of a discovered kit: generated from its kit definition, plus its declared extra commands. */
export function loadKitCommands(found: DiscoveredKit, load: KitModuleLoader = requireFromKit): CliCommand[] {
  const kit = loadKitDefinition(found, load);
  const commands = kit ? kitCommands(kit) : [];
  if (found.commandsSpecifier !== undefined) {
    const extra = exportOf(loadModule(found, found.commandsSpecifier, load), 'commands');
    if (!Array.isArray(extra) || extra.some((c) => c === null || typeof c !== 'object' || typeof (c as CliCommand).name !== 'string')) {
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `${found.commandsSpecifier} must export 'commands', an array of named commands`, {
        details: { kit: found.name, package: found.packageName },
      });
    }
    commands.push(...(extra as CliCommand[]));
  }
  return commands;
}

/**
 * The installed kit named `name`, for a kit that builds on another at run time (seg's
 * person cascade runs the det kit) without importing it: the two stay separately
 * installable, and the other kit is used through its generic runner.
 * @param needFor - What needs it, for the message, e.g. `seg --people`.
 * @throws ModelkitError `E_KIT_NOT_FOUND` saying how to install it.
 */
export function findInstalledKit(name: string, needFor: string, options: DiscoverKitsOptions & { load?: KitModuleLoader } = {}): KitDefinition {
  const found = discoverKits(options).find((k) => k.name === name && k.kitSpecifier !== undefined);
  const kit = found ? loadKitDefinition(found, options.load) : undefined;
  if (!kit) {
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `${needFor} needs the ${name} kit, which is not installed: npm i @modelkit/${name}`, { details: { kit: name } });
  }
  return kit;
}
