import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { KitDefinition } from '@modelkit/core';

/** Kits looked for when none are named, in the order the demo page lists them. */
export const SERVABLE_KITS: readonly string[] = ['ocr', 'det', 'seg', 'videotag'];

/** Requires a module by specifier; injectable for tests. */
export type ModuleRequirer = (specifier: string) => unknown;

// `require` through `module` so bundlers leave the kits alone: they are optional peers and
// usually absent at build time. The CommonJS build also keeps one copy of @modelkit/core
// (an ESM `import()` would load the kits' ESM builds and with them a second core).
const defaultRequire: ModuleRequirer = (specifier) => {
  if (typeof module === 'undefined' || typeof module.require !== 'function') {
    throw new ModelkitError(ErrorCodes.UNAVAILABLE, `Cannot load ${specifier}: @modelkit/serve must run from its CommonJS build`);
  }
  return module.require(specifier);
};

/**
 * Loads `kit` definitions from `@modelkit/<name>`.
 *
 * @param names Kits to load. When omitted, every kit of {@link SERVABLE_KITS} that is installed
 *   (missing ones are skipped). When given, a missing kit is an error: the user asked for it.
 * @throws ModelkitError E_KIT_NOT_FOUND for a named kit that is not installed or has no `kit` export.
 */
export function loadKits(names?: readonly string[], requireModule: ModuleRequirer = defaultRequire): KitDefinition[] {
  const explicit = names !== undefined;
  const kits: KitDefinition[] = [];
  for (const name of names ?? SERVABLE_KITS) {
    const specifier = `@modelkit/${name}`;
    let mod: unknown;
    try {
      mod = requireModule(specifier);
    } catch (err) {
      if (!isPackageMissing(err, specifier)) throw err;
      if (!explicit) continue;
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `Kit '${name}' is not installed (npm i ${specifier})`, { details: { kit: name } });
    }
    const kit = (mod as { kit?: KitDefinition } | null)?.kit;
    if (!isKitDefinition(kit)) {
      if (!explicit) continue;
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `${specifier} does not export a 'kit' definition`, { details: { kit: name } });
    }
    kits.push(kit);
  }
  return kits;
}

function isKitDefinition(v: unknown): v is KitDefinition {
  const k = v as Partial<KitDefinition> | undefined;
  return !!k && typeof k.name === 'string' && typeof k.createRunner === 'function' && Array.isArray(k.modelCards);
}

/**
 * True when `err` says the package itself is missing, not a module it needs: a kit that is
 * installed but broken must fail loudly instead of silently disappearing from the server.
 */
export function isPackageMissing(err: unknown, specifier: string): boolean {
  // Duck-typed: loaders (jest, vm contexts) may throw Errors from another realm.
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.message !== 'string') return false;
  if (e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_MODULE_NOT_FOUND') return false;
  const firstLine = e.message.split('\n', 1)[0] ?? '';
  return firstLine.includes(`'${specifier}'`);
}
