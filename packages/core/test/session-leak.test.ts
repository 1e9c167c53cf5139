// Loose leak checks: many runs and many create/release cycles must not grow the process
// without bound. RSS is noisy (onnxruntime's allocator grows ~17 MB over the first few
// hundred runs, then RSS stays flat: measured over 5,000 runs), so its bound is generous;
// the JS side is checked tightly: keeping each run's output (32 KB) alive would add 32 MB.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InferenceSession } from '../src/session/index';
import { encodeOnnx } from '../src/onnx/index';
import { convAddModel, pseudoRandom } from './onnx-fixtures';

const MB = 1024 * 1024;

// A full GC before each reading, so garbage not yet collected does not count as growth.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { rss: number; js: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, js: (m.heapUsed + m.arrayBuffers) / MB };
}

it('1,000 runs after warm-up: RSS grows < 50 MB, JS heap + buffers < 5 MB', async () => {
  const session = await InferenceSession.create(convAddModel(), { threads: 1 });
  const x = { data: pseudoRandom(3 * 32 * 32), dims: [1, 3, 32, 32] };
  for (let i = 0; i < 500; i++) await session.run({ x });
  const before = memory();
  let checksum = 0;
  for (let i = 0; i < 1000; i++) {
    const out = await session.run({ x });
    checksum += (out.y!.data as Float32Array)[i % 8192]!;
  }
  const after = memory();
  expect(Number.isFinite(checksum)).toBe(true);
  expect(session.stats.runs).toBe(1500);
  expect(after.rss - before.rss).toBeLessThan(50);
  expect(after.js - before.js).toBeLessThan(5);
  await session.release();
});

it('creating and releasing 100 sessions keeps RSS growth under 50 MB', async () => {
  const bytes = encodeOnnx(convAddModel());
  const x = { data: pseudoRandom(3 * 32 * 32), dims: [1, 3, 32, 32] };
  for (let i = 0; i < 10; i++) await (await InferenceSession.create(bytes, { threads: 1 })).release();
  const before = memory().rss;
  for (let i = 0; i < 100; i++) {
    const session = await InferenceSession.create(bytes, { threads: 1 });
    await session.run({ x });
    await session.release();
  }
  expect(memory().rss - before).toBeLessThan(50);
});
