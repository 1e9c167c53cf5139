import * as tf from '@tensorflow/tfjs-core';
import { isModelkitError } from '@modelkit/core';
import { selectBackend } from '../src';

describe('selectBackend', () => {
  const saved = process.env.MODELKIT_TF_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.MODELKIT_TF_BACKEND;
    else process.env.MODELKIT_TF_BACKEND = saved;
  });

  test('without tfjs-node installed, falls back to wasm and says why node was skipped', async () => {
    delete process.env.MODELKIT_TF_BACKEND;
    const choice = await selectBackend();
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0]).toMatch(/^node: /);
  });

  test('the env var forces a backend; prefer overrides the env var', async () => {
    process.env.MODELKIT_TF_BACKEND = 'cpu';
    expect((await selectBackend()).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend({ prefer: 'wasm' })).backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  test('a forced backend that cannot load is a typed error, not a silent fallback', async () => {
    const err = await selectBackend({ prefer: 'node' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelkitError(err, 'E_INVALID_ARGUMENT')).toBe(true);
    expect(String(err)).toMatch(/backend "node" was requested but failed to load/);
    process.env.MODELKIT_TF_BACKEND = 'gpu';
    await expect(selectBackend()).rejects.toThrow(/MODELKIT_TF_BACKEND must be one of node, wasm, cpu/);
  });
});
