// `videotag train` end to end on clips generated here: four classes of moving shapes and
// stripes, features decoded once and cached, every head trained to above chance, fused,
// exported, resolved as a model card and used by the kit and its eval.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, ErrorCodes, kitCommands, resolveModel } from '@modelkit/core';
import { parseTrainingLog } from '@modelkit/train-core';
import { kit, trainVideoTagger, type TrainTaggerSummary } from '../src';
import { SHAPE_CLASSES, shapesDataset } from './fixtures/clips';

let dir: string;
let data: string;
let summary: TrainTaggerSummary;
const home = process.env.MODELKIT_HOME;
const SEGMENTS = 6;

// Small heads: the structure of each preset, fewer units, so four heads train in seconds.
const SMALL = {
  lstm: { embeddingSize: 32, lstmSize: 16, fcSizes: [64, 32] as [number, number] },
  cluster: { clusterNums: [4], fcSizes: [64, 32] as [number, number] },
  nextvlad: { clusterSize: 8, groups: 8, hiddenSize: 64, gatingReduction: 4 },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'videotag-train-'));
  process.env.MODELKIT_HOME = join(dir, 'home');
  data = join(dir, 'shapes');
  await shapesDataset(data, 6);
  summary = await trainVideoTagger({
    data,
    out: join(dir, 'run'),
    heads: ['lstm', 'cluster', 'nextvlad', 'mean'],
    segments: SEGMENTS,
    perSegment: 1,
    features: 'rgb',
    epochs: 12,
    batchSize: 8,
    lr: 3e-3,
    valSplit: 0.34,
    headOverrides: SMALL,
  });
}, 600_000);
afterAll(async () => {
  process.env.MODELKIT_HOME = home;
  await rm(dir, { recursive: true, force: true });
});

test('every head learns the shape classes well above chance; the fused model too', () => {
  expect(summary).toMatchObject({ labels: [...SHAPE_CLASSES].sort(), trainVideos: 16, valVideos: 8, skipped: [] });
  expect(summary.features).toMatchObject({ decoded: 24, cached: 0 });
  expect(summary.heads.map((h) => h.kind)).toEqual(['attention-lstm', 'attention-cluster', 'nextvlad', 'mean-pool']);
  // Chance Hit@1 with 4 single-label classes is 0.25.
  for (const h of summary.heads) {
    expect(h.val!.hit1).toBeGreaterThanOrEqual(0.5);
    expect(h.weight).toBeCloseTo(h.val!.gap, 12); // fusion weights are the validation GAPs
  }
  expect(summary.val!.hit1).toBeGreaterThanOrEqual(0.5);
  expect(summary.val!.gap).toBeGreaterThan(0.6);
});

test('the export is a model card core resolves, with the head spec the kit needs', async () => {
  const files = summary.files;
  const card = JSON.parse(readFileSync(files.card, 'utf8'));
  expect(card).toMatchObject({ task: 'video-tagging', labels: summary.labels, input: { kind: 'videotag-head', segments: SEGMENTS, modalities: [{ name: 'rgb', dim: 1280 }] } });
  const resolved = await resolveModel(join(dir, 'run'));
  expect(resolved.kind).toBe('folder');
  expect(resolved.paths['model.onnx']).toBe(files.onnx);
  for (const h of ['lstm', 'cluster', 'nextvlad', 'mean']) expect(existsSync(join(dir, 'run', 'heads', h, 'best', 'manifest.json'))).toBe(true);
});

test('the kit tags with the trained head (--model) and eval scores it', async () => {
  const tagger = await kit.load({ model: join(dir, 'run'), objects: 'none' });
  try {
    const clip = join(data, 'circle', '00.mp4');
    const r = await kit.run(tagger, clip, { topK: 1, threshold: 0 });
    expect(r.sampling).toBe(`${SEGMENTS} segments (centre)`);
    const head = r.tags.filter((t) => t.source === 'head');
    expect(head).toHaveLength(1);
    expect(SHAPE_CLASSES).toContain(head[0].label);
    await expect(kit.run(tagger, clip, { segments: 9 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining(`${SEGMENTS} centre frames`) });
  } finally {
    await kit.dispose(tagger);
  }
  const [cmd] = kitCommands(kit);
  const io = createMemoryIO();
  const code = await cmd.subcommands!.find((c) => c.name === 'eval')!.run!([], { data, model: join(dir, 'run'), objects: 'none' }, io);
  expect(code).toBe(0);
  const report = JSON.parse(io.out());
  // All 24 videos (no val/ folder), the head scoring its own labels.
  expect(report).toMatchObject({ videos: 24, labels: 4, scorer: 'head', unscorable: [] });
  expect(report.hit1).toBeGreaterThanOrEqual(0.5);
  // A folder that is not a trained head is refused naming it.
  await expect(kit.load({ model: join(dir, 'run', 'heads') })).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
});

test('train resumes from the last checkpoint; a second run reads every feature from the cache', async () => {
  const out = join(dir, 'resume');
  const base = { data, out, heads: ['mean' as const], segments: SEGMENTS, perSegment: 1, features: 'rgb' as const, batchSize: 8, valSplit: 0.34 };
  const first = await trainVideoTagger({ ...base, epochs: 2 });
  expect(first.features).toMatchObject({ decoded: 0, cached: 24 });
  await expect(trainVideoTagger({ ...base, epochs: 4 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('--resume') });
  await expect(trainVideoTagger({ ...base, epochs: 4, resume: true, segments: 5 })).rejects.toMatchObject({ message: expect.stringContaining('only --epochs may change') });
  const second = await trainVideoTagger({ ...base, epochs: 4, resume: true });
  expect(second.resumedFromStep).toBe(first.heads[0].steps);
  expect(second.heads[0].steps).toBe(2 * first.heads[0].steps);
  const log = parseTrainingLog(readFileSync(join(out, 'heads', 'mean', 'train.log.jsonl'), 'utf8'));
  expect(log.filter((r) => r.type === 'resume').map((r) => r.step)).toEqual([first.heads[0].steps]);
  expect((await readdir(join(out, 'heads', 'mean', 'last'))).some((f) => f.startsWith('state-'))).toBe(true);
});

test('the train command: usage errors and its summary', async () => {
  const [cmd] = kitCommands(kit);
  const train = cmd.subcommands!.find((c) => c.name === 'train')!;
  const run = async (flags: Record<string, unknown>) => {
    const io = createMemoryIO();
    const code = await train.run!([], flags, io);
    return { code, out: io.out(), err: io.err() };
  };
  await expect(run({})).rejects.toMatchObject({ code: ErrorCodes.USAGE });
  await expect(run({ data: join(dir, 'missing') })).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND });
  await expect(run({ data, heads: 'lstm,transformer' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining("unknown head 'transformer'") });
  const r = await run({ data, out: join(dir, 'cli'), heads: 'mean', segments: SEGMENTS, perSegment: 1, features: 'rgb', epochs: 2, valSplit: 0.34 });
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^trained mean \(lite\) on 16 videos, 4 labels, 6 segments × 1, features rgb/);
  expect(r.out).toMatch(/model card +.*cli[\\/]model\.card\.json/);
  expect(r.err).toMatch(/features: 0 videos decoded, 24 from the cache/);
});
