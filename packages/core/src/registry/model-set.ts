/**
 * Model sets: a kit option (`--model-set int8`) that swaps a registry model for a variant
 * registered under `<id>-<set>` — today the int8 models `modelkit compress quantize`
 * registers in MODELKIT_HOME/cards.
 */
import { ErrorCodes, ModelkitError } from '../errors';
import { defaultRegistry, type ModelRegistry } from './model-registry';
import { loadUserCards } from './resolve-model';

/** The model sets a kit can offer. */
export const MODEL_SETS = ['default', 'int8'] as const;
/** One of {@link MODEL_SETS}. */
export type ModelSet = (typeof MODEL_SETS)[number];

/**
 * The registered `<id>-int8` variant of a registry model, or undefined when none is
 * registered. An id that already is an int8 variant is returned as is.
 */
export function findInt8Variant(id: string, registry: ModelRegistry = defaultRegistry): string | undefined {
  if (id.endsWith('-int8')) return id;
  const variant = `${id}-int8`;
  // User cards are read lazily: only a model set needs them before the model resolves.
  if (!registry.has(variant)) loadUserCards(registry);
  return registry.has(variant) ? variant : undefined;
}

/**
 * The int8 variant of a registry model.
 *
 * @param kitName - named in the error's fix (`modelkit compress quantize --kit <kitName>`).
 * @throws ModelkitError `E_MODEL_NOT_FOUND` saying how to make it when it is not registered.
 */
export function requireInt8Variant(id: string, kitName: string, registry: ModelRegistry = defaultRegistry): string {
  const variant = findInt8Variant(id, registry);
  if (variant) return variant;
  throw new ModelkitError(
    ErrorCodes.MODEL_NOT_FOUND,
    `model set int8: no int8 model '${id}-int8' is registered; make one with: modelkit compress quantize --kit ${kitName} --calib DIR --val DIR`,
    { details: { model: `${id}-int8` } },
  );
}
