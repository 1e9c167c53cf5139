/**
 * A kit's models, as create options: every option of type `model` (OCR has three: detModel,
 * recModel, clsModel; det and seg one: model), each resolved to its card and file the way
 * the kit resolves it.
 */
import { basename } from 'node:path';
import { ErrorCodes, ModelkitError, defaultRegistry, resolveModel } from '@modelkit/core';
import type { KitDefinition, ModelCard } from '@modelkit/core';

/** One model of a kit. */
export interface ModelSlot {
  /** The create option that selects it, e.g. `recModel`. */
  option: string;
  /** Its card (for a bare file: the kit's main card's input spec under id `local-file`). */
  card: ModelCard;
  /** The ONNX file. */
  path: string;
  /** Every file of the model by card name (`model.onnx`, `dict.txt`, ...). */
  files: Record<string, string>;
}

/** A card id from a file name: `models/My Det.onnx` -> `my-det`. */
function fileId(path: string): string {
  const id = basename(path).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'model';
}

/**
 * The kit's model options and what they resolve to with `kitOptions` (the user's create
 * options over the schema defaults). A default that is not a registry id (seg's `selfie`)
 * is matched to the kit's card whose id contains it.
 */
export async function modelSlots(kit: KitDefinition, kitOptions: Record<string, unknown> = {}): Promise<ModelSlot[]> {
  const slots: ModelSlot[] = [];
  for (const [option, spec] of Object.entries(kit.createOptions as Record<string, { type: string; default?: unknown }>)) {
    if (spec.type !== 'model') continue;
    const value = kitOptions[option] ?? spec.default;
    if (typeof value !== 'string' || value === '') continue;
    let source = value;
    // A short name of one of the kit's cards (seg's `selfie` for mediapipe-selfie-256).
    const alias = kit.modelCards.filter((c) => c.id.split(/[-_.]/).includes(value));
    if (!defaultRegistry.has(value) && alias.length === 1) source = alias[0]!.id;
    let resolved;
    try {
      resolved = await resolveModel(source, { like: kit.modelCards[0], what: `${kit.name} ${option}` });
    } catch (err) {
      throw new ModelkitError(ErrorCodes.MODEL_NOT_FOUND, `${kit.name}: cannot resolve model option '${option}' (${value}): ${(err as Error).message}`, { cause: err, details: { option, value } });
    }
    const path = resolved.paths['model.onnx'] ?? Object.values(resolved.paths)[0];
    if (path === undefined) continue;
    // A bare file has a placeholder card id; name its int8 version after the file instead.
    const card = resolved.kind === 'file' ? { ...resolved.card, id: fileId(path) } : resolved.card;
    slots.push({ option, card, path, files: resolved.paths });
  }
  return slots;
}
