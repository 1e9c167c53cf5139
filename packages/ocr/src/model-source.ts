import { existsSync } from 'node:fs';
import { ErrorCodes, ModelkitError, defaultRegistry } from '@modelkit/core';
import type { ModelCard, ProgressCallback } from '@modelkit/core';
import { MODEL_SLOTS, optionLabel } from './model-slots';
import type { ModelOption } from './model-slots';
import type { ModelSource } from './types';

/** A model option resolved to local files. */
export interface ResolvedModelSource {
  /** The ONNX file. */
  path: string;
  /** Every file of the model by name (`model.onnx`, `dict.txt`, ...). */
  files: Record<string, string>;
  /** The model's card; undefined for a model given by bare path. */
  card: ModelCard | undefined;
}

/**
 * Resolves a model option (registry id, card, or a plain `.onnx` path; its default card
 * when undefined) to verified local files.
 */
export async function resolveModelSource(
  option: ModelOption,
  source: ModelSource | undefined,
  o: { cacheDir?: string; offline?: boolean; onProgress?: ProgressCallback },
): Promise<ResolvedModelSource> {
  const given = source ?? MODEL_SLOTS[option].defaultCard;
  if (typeof given === 'string' && (existsSync(given) || /[\\/]|\.onnx$/i.test(given))) {
    if (!existsSync(given)) {
      throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `Model file not found: ${given}`, { details: { path: given, option } });
    }
    return { path: given, files: { 'model.onnx': given }, card: undefined };
  }
  const resolved = await defaultRegistry.resolve(given, o);
  const path = resolved.paths['model.onnx'];
  if (path === undefined) {
    throw new ModelkitError(ErrorCodes.MODEL_FORMAT, `${optionLabel(option)}: model ${resolved.card.id} has no model.onnx file`, {
      details: { option, model: resolved.card.id },
    });
  }
  return { path, files: resolved.paths, card: resolved.card };
}
