import { InferenceSession, encodeOnnx } from '@modelkit/core';
import { FeedCapture } from '../src/capture/feed-capture';
import { Reservoir } from '../src/kit/calibrate-kit';
import { tinyCnn, tinyFeeds } from './fixtures/tiny-models';

describe('FeedCapture', () => {
  it('copies the feeds of the models it watches, between start and stop', async () => {
    const a = await InferenceSession.create(encodeOnnx(tinyCnn()), { name: 'model-a' });
    const b = await InferenceSession.create(encodeOnnx(tinyCnn()), { name: 'model-b' });
    const capture = new FeedCapture(new Map([['model-a', 'a']]));
    const [f] = tinyFeeds(1);
    await a.run(f!);
    capture.start();
    await a.run(f!);
    await b.run(f!);
    capture.stop();
    await a.run(f!);
    const runs = capture.drain();
    expect(runs.map((r) => r.model)).toEqual(['a']);
    expect(capture.unknownSessions).toEqual(new Set(['model-b']));
    // A copy: the kit may reuse its buffer afterwards.
    expect(runs[0]!.feeds.x!.data).not.toBe(f!.x.data);
    expect(Array.from(runs[0]!.feeds.x!.data as Float32Array)).toEqual(Array.from(f!.x.data));
    f!.x.data.fill(0);
    expect((runs[0]!.feeds.x!.data as Float32Array).some((v) => v !== 0)).toBe(true);
    expect(capture.drain()).toEqual([]);
    await Promise.all([a.release(), b.release()]);
  });
});

describe('Reservoir', () => {
  it('keeps a fixed-size sample that is the same for the same stream', () => {
    const sample = (): number[] => {
      const r = new Reservoir<number>(5, 7);
      for (let i = 0; i < 100; i++) r.add(i);
      return r.items;
    };
    expect(sample()).toHaveLength(5);
    expect(sample()).toEqual(sample());
    expect(new Set(sample()).size).toBe(5);
    const short = new Reservoir<number>(5);
    [1, 2, 3].forEach((v) => short.add(v));
    expect(short.items).toEqual([1, 2, 3]);
  });
});
