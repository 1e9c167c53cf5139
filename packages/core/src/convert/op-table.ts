/** Every tfjs op the converter maps, by TF op name. */
import type { OpMapper } from './op-context';
import { convOps } from './ops-conv';
import { elementwiseOps } from './ops-elementwise';
import { mathOps } from './ops-math';
import { shapeOps } from './ops-shape';

/** The mapping table; ops missing here fail with E_UNSUPPORTED_OP. */
export const OP_MAPPERS: Readonly<Record<string, OpMapper>> = Object.freeze({ ...elementwiseOps, ...convOps, ...shapeOps, ...mathOps });

/** TF op names the converter can map (plus Const and Placeholder). */
export function supportedTfjsOps(): string[] {
  return ['Const', 'Placeholder', ...Object.keys(OP_MAPPERS)].sort();
}
