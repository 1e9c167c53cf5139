import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, InvalidArgumentError, ModelError } from '@modelkit/core';

/** A tfjs weight spec as stored in `weights.json` (uint8-quantized or plain float32). */
export interface PretrainedWeightSpec {
  /** Keras weight name, `<layer>/<weight>`, e.g. `block_3_expand/kernel`. */
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Present for quantized weights: value = byte · scale + min (tfjs' uint8 scheme). */
  quantization?: { min: number; scale: number; dtype: 'uint8' };
}

/** Pretrained values by Keras weight name. */
export type PretrainedWeights = ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>;

/**
 * Decodes weights stored as tfjs weight specs plus their bytes, in spec order: uint8
 * quantized (dequantized like tfjs' `decodeWeights`, so values are bit-identical to tfjs'
 * own loading) or float32.
 *
 * @throws ModelError `E_MODEL_FORMAT` when the bytes do not match the specs.
 */
export function decodePretrainedWeights(specs: readonly PretrainedWeightSpec[], bytes: Uint8Array): PretrainedWeights {
  const out = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    if (spec.quantization) {
      if (spec.quantization.dtype !== 'uint8') throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight ${spec.name}: unsupported quantization ${spec.quantization.dtype}`);
      if (offset + count > bytes.length) throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight ${spec.name} runs past the end of the weight file (${bytes.length} bytes)`);
      const { min, scale } = spec.quantization;
      for (let i = 0; i < count; i++) values[i] = bytes[offset + i]! * scale + min;
      offset += count;
    } else {
      if (offset + count * 4 > bytes.length) throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight ${spec.name} runs past the end of the weight file (${bytes.length} bytes)`);
      values.set(new Float32Array(bytes.slice(offset, offset + count * 4).buffer));
      offset += count * 4;
    }
    out.set(spec.name, { shape: spec.shape, values });
  }
  if (offset !== bytes.length) throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight specs cover ${offset} bytes, the weight file has ${bytes.length}`);
  return out;
}

/** What {@link loadPretrainedWeights} did. */
export interface LoadedWeights {
  /** Model weights that got a pretrained value. */
  loaded: number;
  /** Model weights (Keras names) without a pretrained value: they keep their initialisation. */
  missing: string[];
}

/**
 * Writes pretrained values into every weight of `model` whose Keras name
 * (`<layer name>/<weight name>`) is in `weights` — e.g. a `mobileNetV2()` built at any
 * input size, or only its top blocks (`fromBlock`), with or without a classifier head.
 * Weights it does not find (a new head) keep their initialisation and are listed.
 *
 * @throws InvalidArgumentError when a weight's shape differs from the pretrained one (another width α).
 */
export function loadPretrainedWeights(model: tfl.LayersModel, weights: PretrainedWeights): LoadedWeights {
  const missing: string[] = [];
  let loaded = 0;
  tf.tidy(() => {
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        // tfjs makes variable names unique per process (`Conv1/kernel_1`); the layer name and
        // the weight's own short name are what Keras saved.
        const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        const key = `${layer.name}/${short}`;
        const saved = weights.get(key);
        if (!saved) {
          missing.push(key);
          continue;
        }
        if (saved.shape.join() !== w.shape.join()) {
          throw new InvalidArgumentError(`pretrained weight ${key} has shape [${saved.shape.join(', ')}], the model's [${w.shape.join(', ')}]`, {
            details: { weight: key },
          });
        }
        w.write(tf.tensor(saved.values, saved.shape.slice(), 'float32'));
        loaded++;
      }
    }
  });
  return { loaded, missing };
}
