// The default tagger on real models: a two-shot clip made from the det kit's public-domain
// sample photos (an astronaut for 2 s, then a cat for 2 s).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, ErrorCodes, kitCommands, loadImage, type CliCommand } from '@modelkit/core';
import { kit, type VideoTagResult, type VideoTagger } from '../src';
import { DET_SAMPLES, lavfiClip, stillsClip } from './fixtures/clips';

let dir: string;
let clip: string;
let tagger: VideoTagger;
const home = process.env.MODELKIT_HOME;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'videotag-tagger-'));
  process.env.MODELKIT_HOME = join(dir, 'home');
  clip = await stillsClip(join(dir, 'astronaut-then-cat.mp4'), [join(DET_SAMPLES, 'astronaut.jpg'), join(DET_SAMPLES, 'chelsea.jpg')], 2, '480x360');
  tagger = await kit.load({});
}, 60_000);
afterAll(async () => {
  await kit.dispose(tagger);
  process.env.MODELKIT_HOME = home;
  await rm(dir, { recursive: true, force: true });
});

const tag = (r: VideoTagResult, label: string) => r.tags.find((t) => t.label === label);

test('objects with their time spans, people over time, content classes and the scene cut', async () => {
  expect(tagger.detector).toBeDefined(); // the det kit, found by discovery (not imported)
  const r = await kit.run(tagger, clip, { segments: 8 });
  expect(r).toMatchObject({ duration: 4, width: 480, height: 360, frames: 8, sampling: '8 segments (centre)', cached: false });
  expect(Object.keys(r.timings).slice(0, 5)).toEqual(['decode', 'preprocess', 'inference', 'postprocess', 'total']);
  const person = tag(r, 'person')!;
  const cat = tag(r, 'cat')!;
  // Segment centres 0.25, 0.75, …, 3.75 s; the nearest frames at 25 fps.
  expect(person).toMatchObject({ source: 'objects', support: 0.5, first: 0.24, last: 1.76 });
  expect(person.score).toBeGreaterThan(0.5);
  expect(person.segments).toEqual([[0, 2]]);
  expect(cat).toMatchObject({ source: 'objects', support: 0.5, first: 2.24, last: 3.76 });
  expect(cat.segments).toEqual([[2, 4]]);
  // NanoDet finds the astronaut (and more people in the photo's background at this size), nobody in the cat half.
  expect(r.people!.timeline.map((p) => p.count > 0)).toEqual([true, true, true, true, false, false, false, false]);
  expect(r.people!.max).toBeGreaterThanOrEqual(1);
  expect(r.scenes!.cuts).toHaveLength(1);
  expect(r.scenes!.cuts[0].time).toBe(2);
  expect(r.scenes!.shots).toEqual([[0, 2], [2, 4]]);
  expect(tag(r, 'neutral')?.source).toBe('safety');
  expect(r.safety.neutral).toBeGreaterThan(0.5);
  expect(r.notes).toEqual([]);

  // The second time nothing is decoded: the features come from the cache, the tags are the same.
  const again = await kit.run(tagger, clip, { segments: 8 });
  expect(again).toMatchObject({ cached: true, timings: { framesDecoded: 0 } });
  expect(again.tags).toEqual(r.tags);
  expect((await kit.run(tagger, clip, { segments: 8, cache: false })).cached).toBe(false);

  // The JSON form is the result without the per-frame features.
  const json = (await kit.resultToJSON(r)) as Record<string, unknown>;
  expect(json).not.toHaveProperty('features');
  expect(JSON.parse(JSON.stringify(json)).tags).toEqual(r.tags);
});

test('thresholds, top-k and other samplings', async () => {
  const strict = await kit.run(tagger, clip, { segments: 8, objectThreshold: 1, threshold: 1 });
  expect(strict.tags).toEqual([]);
  expect(strict.people!.max).toBe(0);
  const one = await kit.run(tagger, clip, { segments: 8, topK: 1 });
  expect(one.tags.filter((t) => t.source === 'objects')).toHaveLength(1);
  const scenes = await kit.run(tagger, clip, { sampling: 'scenes' });
  expect(scenes.frames).toBe(2);
  expect(scenes.tags.map((t) => t.label)).toEqual(expect.arrayContaining(['person', 'cat']));
  const fps = await kit.run(tagger, clip, { sampling: 'fps', fps: 1, scenes: false });
  expect(fps).toMatchObject({ frames: 4, scenes: null, sampling: '1 fps (at most 300 frames)' });
});

test('the runner takes uploaded bytes; bad bytes and over-long uploads are typed input errors', async () => {
  const runner = await kit.createRunner({ objects: 'none' });
  try {
    const r = (await runner.run(await readFile(clip), { segments: '4', scenes: 'false' })) as Record<string, unknown>;
    expect(r).toMatchObject({ frames: 4, people: null, scenes: null });
    expect(r).not.toHaveProperty('features');
    await expect(runner.run(Buffer.from('not a video at all'), {})).rejects.toMatchObject({ code: ErrorCodes.VIDEO_DECODE });
    await expect(runner.run(clip, { segment: 3 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining("Unknown videotag run option 'segment'") });
  } finally {
    await runner.dispose();
  }
  const capped = await kit.createRunner({ objects: 'none', maxDuration: 3 });
  try {
    await expect(capped.run(await readFile(clip), {})).rejects.toMatchObject({ code: ErrorCodes.VIDEO_TOO_LONG, details: { duration: 4, maxDuration: 3 } });
    await expect(capped.run(clip, {})).rejects.toMatchObject({ code: ErrorCodes.VIDEO_TOO_LONG });
  } finally {
    await capped.dispose();
  }
});

describe('the CLI command the template makes from the kit', () => {
  const [cmd] = kitCommands(kit);
  const run = async (c: CliCommand, args: string[], flags: Record<string, unknown>) => {
    const io = createMemoryIO();
    const code = await c.run!(args, flags, io);
    return { code, out: io.out(), err: io.err() };
  };

  test('flags, JSON lines {"video", …}, the contact sheet, and a bad input among good ones', async () => {
    const flags = cmd.options!.map((o) => o.flags);
    expect(flags).toEqual(expect.arrayContaining(['--segments <n>', '--sampling <segments|fps|scenes>', '--no-scenes', '--keyframes-only', '--no-cache', '--objects <value>', '--model <id|path|url>', '--max-duration <n>']));
    expect(cmd.subcommands!.map((c) => c.name)).toEqual(['eval', 'train']);
    const junk = join(dir, 'junk.mp4');
    await writeFile(junk, 'junk');
    const out = join(dir, 'out');
    const r = await run(cmd, [clip, junk], { json: true, visualize: true, out, segments: 8 });
    expect(r.code).toBe(1);
    const [good, bad] = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(good).toMatchObject({ video: clip, duration: 4, files: [join(out, 'astronaut-then-cat.videotag.png')] });
    expect(bad).toMatchObject({ image: junk, error: { code: ErrorCodes.VIDEO_DECODE } });
    const sheet = await loadImage(join(out, 'astronaut-then-cat.videotag.png'));
    // 8 tiles of 128×96 in two rows of four, 4 px apart, and a 58 px timeline.
    expect([sheet.width, sheet.height]).toEqual([4 * 128 + 5 * 4, 2 * 96 + 3 * 4 + 58]);
    const text = await run(cmd, [clip], { segments: 8 });
    expect(text.out).toMatch(/^person\t0\.\d+\tobjects\t0\.0s-2\.0s\tsupport 0\.50$/m);
    expect(text.out).toMatch(/^scenes\t1 cuts\t2\.0s$/m);
    expect(text.err).toMatch(/astronaut-then-cat\.mp4: 4\.0 s, 8 frames \(cached\): \d+ tags \(person/);
  });

  test('eval: GAP, Hit@1, PERR and mAP of the default tagger on a set labelled with COCO names', async () => {
    const data = join(dir, 'eval');
    const still = (name: string, img: string) => stillsClip(join(data, 'clips', name), [join(DET_SAMPLES, img)], 1, '320x240');
    await still('a.mp4', 'astronaut.jpg');
    await still('c.mp4', 'chelsea.jpg');
    await lavfiClip(join(data, 'clips', 'bars.mp4'), 'smptebars=s=320x240:r=10:d=1');
    await writeFile(join(data, 'labels.json'), JSON.stringify([
      { video: 'clips/a.mp4', labels: ['person'] },
      { video: 'clips/c.mp4', labels: ['cat'] },
      { video: 'clips/bars.mp4', labels: ['drawing'] },
    ]));
    const evalCmd = cmd.subcommands!.find((c) => c.name === 'eval')!;
    const r = await run(evalCmd, [], { data });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ videos: 3, labels: 3, scorer: 'default', topK: 20, unscorable: [], skipped: [] });
    // person and cat are found on their own clips with top scores: Hit@1 counts at least those two.
    expect(report.hit1).toBeGreaterThanOrEqual(2 / 3 - 1e-4);
    for (const k of ['gap', 'perr', 'map']) expect(report[k]).toBeGreaterThan(0.5);
    expect(existsSync(join(data, 'labels.json'))).toBe(true);
  });
});
