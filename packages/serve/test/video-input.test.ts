// Generic support for kits whose input is video (`defineKit({ input: 'video' })`): batch
// lists video files for them, and their per-input video errors are error rows (batch) and
// client errors (HTTP), like unreadable images.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineKit, ErrorCodes, ModelkitError, type KitDefinition } from '@modelkit/core';
import { listImages, runBatch } from '../src/batch';
import { toHttpError } from '../src/http-errors';

/** A video kit without models: reports the file size; `bad*` files are undecodable, `long*` too long. */
function videoKit(): KitDefinition {
  const timings = { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 };
  return defineKit<object, object, object, { bytes: number; timings: typeof timings }, object>({
    name: 'vid',
    description: 'fake video kit',
    input: 'video',
    modelCards: [],
    createOptions: {},
    runOptions: {},
    create: async () => ({}),
    async run(_p, input) {
      const file = String(input);
      if (file.includes('bad')) throw new ModelkitError(ErrorCodes.VIDEO_DECODE, `${file}: not a video`, { details: { file, reason: 'not-a-video' } });
      if (file.includes('long')) throw new ModelkitError(ErrorCodes.VIDEO_TOO_LONG, `${file}: too long`, { details: { file } });
      return { bytes: readFileSync(file).length, timings };
    },
    dispose: async () => undefined,
    summarize: (r) => `${r.bytes} bytes`,
    formatText: (r) => String(r.bytes),
    saveVisualization: async () => undefined,
    evalFiles: () => [],
    evaluate: async () => ({}),
  }) as unknown as KitDefinition;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelkit-batch-video-'));
  mkdirSync(join(dir, 'clips', 'sub'), { recursive: true });
  for (const f of ['a.mp4', 'sub/b.MKV', 'bad.avi', 'long.webm', 'still.png', 'notes.txt']) writeFileSync(join(dir, 'clips', f), f);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('batch lists video files for a video kit and image files otherwise', async () => {
  const clips = join(dir, 'clips');
  const out = join(dir, 'rows.jsonl');
  const summary = await runBatch({ kit: videoKit(), input: clips, out });
  // Video errors belong to their file: error rows, and the other videos still run.
  expect(summary).toMatchObject({ total: 4, succeeded: 2, failed: 2, aborted: false });
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { image: string; error?: { code: string } });
  expect(rows.map((r) => r.image.slice(clips.length + 1)).sort()).toEqual(['a.mp4', 'bad.avi', 'long.webm', 'sub/b.MKV']);
  expect(rows.find((r) => r.image.endsWith('bad.avi'))!.error!.code).toBe(ErrorCodes.VIDEO_DECODE);
  expect(rows.find((r) => r.image.endsWith('long.webm'))!.error!.code).toBe(ErrorCodes.VIDEO_TOO_LONG);
  // Image kits are unchanged.
  expect(await listImages(clips)).toEqual([`${clips}/still.png`]);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await expect(runBatch({ kit: videoKit(), input: empty, out: join(dir, 'none.jsonl') })).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND, message: expect.stringContaining('No videos found') });
});

test('video errors map to HTTP 400 (not a video) and 413 (over the duration cap)', () => {
  expect(toHttpError(new ModelkitError(ErrorCodes.VIDEO_DECODE, 'x: not a video')).status).toBe(400);
  expect(toHttpError(new ModelkitError(ErrorCodes.VIDEO_TOO_LONG, 'x: too long')).status).toBe(413);
});
