import { InvalidArgumentError } from '@modelkit/core';

/**
 * A learning-rate schedule: a pure function of the global step (0-based, counted in
 * optimizer updates). Being pure, it needs no state in a checkpoint beyond the step.
 */
export type LrSchedule = (step: number) => number;

/** A constant learning rate as a schedule. */
export function constantLr(lr: number): LrSchedule {
  assertFinite(lr, 'lr');
  return () => lr;
}

/** @internal */
export function assertFinite(value: number, name: string, min = -Infinity): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${String(value)}`);
  }
}
