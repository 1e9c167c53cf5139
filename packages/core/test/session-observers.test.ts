import { InferenceSession, observeSessionRuns, type SessionRunEvent } from '../src/session/index';
import { CONV_INPUT, convModel } from './onnx-fixtures';

describe('observeSessionRuns', () => {
  it('sees the checked feeds of every run, labelled by session, until stopped', async () => {
    const session = await InferenceSession.create(convModel(), { name: 'conv-model' });
    const seen: SessionRunEvent[] = [];
    const stop = observeSessionRuns((e) => seen.push(e));
    const feeds = { x: { data: CONV_INPUT, dims: [1, 1, 3, 3] } };
    await session.run(feeds);
    stop();
    await session.run(feeds);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.session).toBe('conv-model');
    expect(seen[0]!.feeds.x!.data).toBe(CONV_INPUT);
    expect(seen[0]!.feeds.x!.dims).toEqual([1, 1, 3, 3]);
    await session.release();
  });

  it('calls each registration, and a throwing observer fails the run it observed', async () => {
    const session = await InferenceSession.create(convModel());
    const calls: string[] = [];
    const f = (): void => {
      calls.push('f');
    };
    const stopA = observeSessionRuns(f);
    const stopB = observeSessionRuns(f);
    const stopC = observeSessionRuns(() => {
      throw new Error('observer failed');
    });
    await expect(session.run({ x: { data: CONV_INPUT, dims: [1, 1, 3, 3] } })).rejects.toThrow('observer failed');
    stopC();
    stopA();
    await session.run({ x: { data: CONV_INPUT, dims: [1, 1, 3, 3] } });
    stopB();
    expect(calls).toEqual(['f', 'f', 'f']);
    await session.release();
  });

  it('does not see feeds that fail the checks', async () => {
    const session = await InferenceSession.create(convModel());
    const seen: unknown[] = [];
    const stop = observeSessionRuns((e) => seen.push(e));
    await expect(session.run({ x: { data: new Float32Array(2), dims: [1, 1, 3, 3] } })).rejects.toMatchObject({ code: 'E_TENSOR_MISMATCH' });
    stop();
    expect(seen).toEqual([]);
    await session.release();
  });
});
