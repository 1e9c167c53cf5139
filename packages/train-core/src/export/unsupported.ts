import { ErrorCodes, ModelError } from '@modelkit/core';

/** The error for a layer, activation or setting the exporter has no ONNX mapping for. */
export function unsupported(layerClass: string, layerName: string, what?: string): ModelError {
  const detail = what ? ` (${what})` : '';
  return new ModelError(
    ErrorCodes.UNSUPPORTED_OP,
    `cannot export layer "${layerName}" of class ${layerClass}${detail} to ONNX: no mapping for it`,
    { details: { layerClass, layer: layerName, ...(what ? { setting: what } : {}) } },
  );
}
