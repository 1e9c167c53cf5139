/** Finding an installed kit by name, as the CLI does (no static import: compress depends on no kit). */
import { ErrorCodes, ModelkitError, discoverKits, loadKitDefinition } from '@modelkit/core';
import type { KitDefinition } from '@modelkit/core';

/**
 * The kit definition of the installed kit `name`.
 * @throws ModelkitError `E_KIT_NOT_FOUND` listing the installed kits.
 */
export function findKit(name: string): KitDefinition {
  const found = discoverKits();
  const entry = found.find((k) => k.name === name && k.kitSpecifier !== undefined);
  if (entry === undefined) {
    const kits = found.filter((k) => k.kitSpecifier !== undefined).map((k) => k.name);
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `no installed kit '${name}' (installed: ${kits.join(', ') || 'none'})`, { details: { kit: name, installed: kits } });
  }
  return loadKitDefinition(entry)!;
}
