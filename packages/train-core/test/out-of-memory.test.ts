import { isOutOfMemory, outOfMemoryError } from '../src/trainer/out-of-memory';

describe('out of memory', () => {
  it('recognises the ways a full wasm heap fails, and nothing else', () => {
    const trap = (message: string): Error => Object.assign(new Error(message), { name: 'RuntimeError' });
    expect(isOutOfMemory(trap('divide by zero'))).toBe(true);
    expect(isOutOfMemory(trap('memory access out of bounds'))).toBe(true);
    expect(isOutOfMemory(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new TypeError('x is undefined'))).toBe(false);
    expect(isOutOfMemory(new Error('divide by zero'))).toBe(false);
    expect(isOutOfMemory('divide by zero')).toBe(false);
  });

  it('becomes a typed error that names the knobs', () => {
    const err = outOfMemoryError(new Error('Aborted(OOM)'), { batchSize: 16, size: 224, backend: 'wasm' });
    expect(err).toMatchObject({ code: 'E_OUT_OF_MEMORY', details: { batchSize: 16, size: 224, backend: 'wasm' } });
    expect(err.message).toBe('Training ran out of memory on the wasm backend (batch 16 of 224x224 images): lower --batch-size or --size, or split each batch with --micro-batch N (same effective batch, less memory) (the wasm backend has 4 GiB at most)');
  });
});
