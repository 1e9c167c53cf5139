/** What an op mapper gets: the node, its resolved inputs, and the graph being built. */
import { ErrorCodes, ModelError } from '../errors';
import type { ConstTensor } from './const-tensor';
import type { GraphBuilder } from './graph-builder';
import type { TfjsNode } from './tfjs-model-json';
import type { TfValue } from './tf-value';

/** Context of one node's mapping. */
export interface OpContext {
  readonly b: GraphBuilder;
  readonly node: TfjsNode;
  /** Data inputs (control inputs `^x` dropped), resolved. */
  readonly inputs: readonly TfValue[];
  /** ONNX name for output `i` of the node (`name` for 0, `name:i` otherwise). */
  out(i?: number): string;
}

/** Maps one tfjs node to ONNX nodes; returns the node's outputs in order. */
export type OpMapper = (ctx: OpContext) => TfValue[];

/** Throws the converter's "cannot map this" error naming the op and node. */
export function unsupported(ctx: OpContext, why: string): never {
  throw new ModelError(ErrorCodes.UNSUPPORTED_OP, `cannot convert node "${ctx.node.name}" (op ${ctx.node.op}): ${why}`, {
    details: { node: ctx.node.name, op: ctx.node.op },
  });
}

/** Input `i`, or a MODEL_INVALID error when the node has fewer inputs. */
export function inputAt(ctx: OpContext, i: number): TfValue {
  const v = ctx.inputs[i];
  if (!v) {
    throw new ModelError(ErrorCodes.MODEL_INVALID, `node "${ctx.node.name}" (${ctx.node.op}) needs input ${i} but has ${ctx.inputs.length}`, {
      details: { node: ctx.node.name, op: ctx.node.op },
    });
  }
  return v;
}

/** Input `i` as a constant known at conversion time; such inputs (axes, perms, sizes) must be constant. */
export function constInput(ctx: OpContext, i: number, what: string): ConstTensor {
  const v = inputAt(ctx, i);
  if (!v.constant) unsupported(ctx, `its ${what} (input ${i}) must be a constant, but it is computed in the graph`);
  return v.constant;
}

/** The values of a constant input as numbers. */
export function constNumbers(ctx: OpContext, i: number, what: string): number[] {
  return Array.from(constInput(ctx, i, what).data);
}
