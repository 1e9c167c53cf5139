import { ErrorCodes, ModelError } from '@modelkit/core';
import type { TensorSpec } from '@modelkit/core';
import { MODEL_SLOTS, optionLabel } from './model-slots';
import type { ModelOption } from './model-slots';

/** What a loaded model declares (an `InferenceSession`'s metadata, or part of it). */
export interface ModelSignature {
  /** The model's label in messages (its path). */
  name: string;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}

/** An axis the stage needs: a fixed size, or a letter for any size. */
type Axis = number | string;

/** The tensors a stage feeds and reads; both float32. */
interface Expected {
  input: Axis[];
  output: Axis[];
}

/** Sizes a stage fixes on its input; unknown ones (for the "looks like" hint) match any. */
interface FixedSizes {
  height?: number;
  width?: number;
}

function expectedFor(option: ModelOption, sizes: FixedSizes): Expected {
  switch (option) {
    case 'detModel':
      return { input: ['N', 3, 'H', 'W'], output: ['N', 1, 'H', 'W'] };
    case 'recModel':
      return { input: ['N', 3, sizes.height ?? 'H', 'W'], output: ['N', 'T', 'C'] };
    case 'clsModel':
      return { input: ['N', 3, sizes.height ?? 'H', sizes.width ?? 'W'], output: ['N', 2] };
  }
}

/**
 * Checks at load that a model fits its stage, so a model given in the wrong slot fails
 * in `Ocr.create` with a message naming the option and flag, rather than per image deep
 * inside post-processing or onnxruntime. Dynamic axes match any size.
 *
 * @throws ModelError `E_MODEL_FORMAT`
 */
export function checkModelSignature(option: ModelOption, model: ModelSignature, sizes: FixedSizes = {}): void {
  const expected = expectedFor(option, sizes);
  if (fits(model, expected)) return;
  const want = `one float32 input ${axes(expected.input)} and one output ${axes(expected.output)}`;
  let message = `${optionLabel(option)}: expected ${MODEL_SLOTS[option].role}: ${want}; ${model.name} has ${describe('input', model.inputs)} and ${describe('output', model.outputs)}`;
  // Models swapped between slots are the likely mistake; say where this one belongs.
  const belongs = (Object.keys(MODEL_SLOTS) as ModelOption[]).filter((o) => o !== option && fits(model, expectedFor(o, {})));
  if (belongs.length === 1) message += `; it looks like ${MODEL_SLOTS[belongs[0]].role}, which goes in ${optionLabel(belongs[0])}`;
  throw new ModelError(ErrorCodes.MODEL_FORMAT, message, {
    details: { option, model: model.name, inputs: model.inputs.map((t) => ({ ...t })), outputs: model.outputs.map((t) => ({ ...t })) },
  });
}

function fits(model: ModelSignature, expected: Expected): boolean {
  return model.inputs.length === 1 && model.outputs.length === 1 && tensorFits(model.inputs[0], expected.input) && tensorFits(model.outputs[0], expected.output);
}

function tensorFits(t: TensorSpec, want: Axis[]): boolean {
  if (t.dataType !== 'float32' || t.shape === null || t.shape.length !== want.length) return false;
  // A fixed axis must match unless the model leaves it dynamic (null or a symbol).
  return want.every((w, i) => typeof w !== 'number' || typeof t.shape?.[i] !== 'number' || t.shape[i] === w);
}

function axes(shape: readonly (number | string | null)[]): string {
  return `[${shape.join(',')}]`;
}

function describe(kind: string, tensors: readonly TensorSpec[]): string {
  if (tensors.length === 0) return `no ${kind}s`;
  const list = tensors.map((t) => `${t.name} ${t.dataType} ${t.shape === null ? '(unknown shape)' : axes(t.shape.map((d) => (typeof d === 'number' ? d : '?')))}`);
  return `${kind}${tensors.length > 1 ? 's' : ''} ${list.join(', ')}`;
}
