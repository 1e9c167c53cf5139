/**
 * The kits the server and batch jobs run: every installed package that declares a kit in
 * its package.json (core's `discoverKits`). No list of kits lives here.
 */
import { ErrorCodes, ModelkitError, discoverKits, loadKitDefinition } from '@modelkit/core';
import type { KitDefinition, KitModuleLoader } from '@modelkit/core';

/** Options of {@link loadKits}. */
export interface LoadKitsOptions {
  /** node_modules folders to search (default: `MODELKIT_KITS_PATH`, then where Node would look). */
  nodeModules?: readonly string[];
  /** How a kit's modules are loaded (default: `require` from the kit's own folder). */
  load?: KitModuleLoader;
}

/**
 * Loads kit definitions.
 *
 * @param names Kits to load. When omitted, every installed kit (a kit that is installed but
 *   fails to load is an error: it must not silently vanish from the server). When given, a
 *   kit that is not installed is an error: the user asked for it.
 * @throws ModelkitError E_KIT_NOT_FOUND for a named kit that is not installed or declares no kit.
 */
export function loadKits(names?: readonly string[], options: LoadKitsOptions = {}): KitDefinition[] {
  const installed = discoverKits({ nodeModules: options.nodeModules }).filter((k) => k.kitSpecifier !== undefined);
  if (names === undefined) return installed.map((k) => loadKitDefinition(k, options.load)!);
  return names.map((name) => {
    const found = installed.find((k) => k.name === name);
    if (!found) {
      const list = installed.map((k) => k.name).join(', ') || 'none';
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `Kit '${name}' is not installed (installed kits: ${list}); if it is a modelkit kit: npm i @modelkit/${name}`, {
        details: { kit: name, installed: installed.map((k) => k.name) },
      });
    }
    return loadKitDefinition(found, options.load)!;
  });
}
