import { ErrorCodes, ModelkitError, resolveModel } from '@modelkit/core';
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
  /** The model's card; undefined for a bare `.onnx` file or URL (its slot's default card's input spec then applies). */
  card: ModelCard | undefined;
}

/**
 * Resolves a model option (registry id, card, `.onnx` path, trained-model folder, or URL
 * with `#sha256=`; its default card when undefined) to verified local files, through
 * core's one resolver.
 */
export async function resolveModelSource(
  option: ModelOption,
  source: ModelSource | undefined,
  o: { cacheDir?: string; offline?: boolean; onProgress?: ProgressCallback },
): Promise<ResolvedModelSource> {
  const resolved = await resolveModel(source ?? MODEL_SLOTS[option].defaultCard, { ...o, what: optionLabel(option) });
  const path = resolved.paths['model.onnx'];
  if (path === undefined) {
    throw new ModelkitError(ErrorCodes.MODEL_FORMAT, `${optionLabel(option)}: model ${resolved.card.id} has no model.onnx file`, {
      details: { option, model: resolved.card.id },
    });
  }
  const bare = resolved.kind === 'file' || resolved.kind === 'url';
  return { path, files: resolved.paths, card: bare ? undefined : resolved.card };
}
