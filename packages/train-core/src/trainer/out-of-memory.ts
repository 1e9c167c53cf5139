import { ErrorCodes, ModelkitError } from '@modelkit/core';

/**
 * True for the ways tfjs' wasm backend fails when its 4 GiB heap is full: the allocator
 * returns 0 and the next kernel traps (`divide by zero`, `memory access out of bounds`),
 * or emscripten aborts (`Aborted(OOM)`, `Cannot enlarge memory`), or a typed array of the
 * requested size cannot be made.
 */
export function isOutOfMemory(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // WebAssembly.RuntimeError (no DOM/wasm typings in this package's lib: match its name).
  const wasmTrap = err.name === 'RuntimeError';
  const text = err.message;
  if (wasmTrap && /divide by zero|out of bounds|unreachable|OOM/i.test(text)) return true;
  if (/Aborted\(OOM\)|Cannot enlarge memory|out of memory|Array buffer allocation failed|Invalid typed array length/i.test(text)) return true;
  return false;
}

/**
 * The typed error for a training step that ran out of memory, naming the knobs that
 * shrink a step's working set.
 */
export function outOfMemoryError(err: unknown, what: { batchSize: number; size: number; backend: string }): ModelkitError {
  return new ModelkitError(
    ErrorCodes.OUT_OF_MEMORY,
    `Training ran out of memory on the ${what.backend} backend (batch ${what.batchSize} of ${what.size}x${what.size} images): ` +
      `lower --batch-size or --size, or split each batch with --micro-batch N (same effective batch, less memory)${what.backend === 'wasm' ? ' (the wasm backend has 4 GiB at most)' : ''}`,
    { cause: err, details: { ...what } },
  );
}
