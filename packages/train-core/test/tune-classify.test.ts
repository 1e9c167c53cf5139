import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createMemoryIO, type CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { checkTuneSpace, defaultTuneSpace, parseTuneSpace, type TuneSummary, type TuneTrial } from '../src/tune';
import { TUNE_PLOT_SIZE } from '../src/tune/tune-plot';
import { writeShapeFolder } from './fixtures/class-folder';

// `modelkit tune classify` end to end, in process: a drawn-shapes folder (3 classes × 30
// images of 32², seeded holdout 0.25 → 66 train / 24 val images), the small CNN on the wasm
// backend, a few trials of 1–5 epochs; then the reruns a kill leaves behind.

const tune = commands.find((c) => c.name === 'tune')!;
const classify: CliCommand = tune.subcommands!.find((c) => c.name === 'classify')!;

let root: string;
let data: string;
let spaceFile: string;
const base = { backend: 'wasm', size: 32, seed: 1, valSplit: 0.25, json: true };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mk-tune-'));
  data = join(root, 'shapes');
  await writeShapeFolder(data, 30, 7);
  spaceFile = join(root, 'space.json');
  await writeFile(spaceFile, JSON.stringify({ lr: { logUniform: [0.004, 0.02] }, batchSize: [8, 16], augment: 'none' }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Run {
  trials: TuneTrial[];
  summary: Omit<TuneSummary, 'trials'> & { trials: number };
  err: string;
}

async function run(options: Record<string, unknown>): Promise<Run> {
  const io = createMemoryIO();
  const code = await classify.run!([], { ...base, space: spaceFile, ...options }, io);
  expect(code).toBe(0);
  const lines = io.out().trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  const trials = lines.filter((l) => l.type === 'trial') as unknown as TuneTrial[];
  const summary = lines.find((l) => l.type === 'summary') as unknown as Run['summary'];
  return { trials, summary, err: io.err() };
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

async function checkOutputs(out: string, trials: TuneTrial[]): Promise<void> {
  const csv = parseCsv(await readFile(join(out, 'tune_results.csv'), 'utf8'));
  expect(csv.map((r) => r.trial)).toEqual(trials.map((t) => t.trialId));
  expect(Object.keys(csv[0]!)).toEqual(['trial', 'config', 'rung', 'resumed_from', 'augment', 'batchSize', 'lr', 'epochs', 'val_accuracy', 'seconds', 'status', 'folder']);
  for (const [i, r] of csv.entries()) {
    expect(Number(r.val_accuracy)).toBe(trials[i]!.metric);
    expect(Number(r.lr)).toBe(trials[i]!.config.lr);
    expect(Number(r.epochs)).toBe(trials[i]!.epochs);
  }
  const best = JSON.parse(await readFile(join(out, 'best.json'), 'utf8'));
  expect(best.value).toBe(Math.max(...csv.map((r) => Number(r.val_accuracy))));
  expect(best.config).toEqual(csv.find((r) => r.trial === best.trial) && trials.find((t) => t.trialId === best.trial)!.config);
  expect(best.settings).toMatchObject({ model: 'small-cnn', size: 32, seed: 1, augment: 'none', epochs: best.epochs });
  await expect(readFile(best.model)).resolves.toBeDefined();
  const png = await sharp(join(out, 'tune_results.png')).metadata();
  expect(png).toMatchObject({ format: 'png', width: TUNE_PLOT_SIZE.width, height: TUNE_PLOT_SIZE.height });
}

test('random search: trials in their own folders, CSV / best.json / PNG agree, a rerun with more trials reuses the finished ones', async () => {
  const out = join(root, 'random');
  const first = await run({ data, out, scheduler: 'random', trials: 2, budget: 5 });
  expect(first.trials.map((t) => [t.trialId, t.status, t.epochs])).toEqual([['c000-r0', 'ok', 5], ['c001-r0', 'ok', 5]]);
  expect(first.err).toMatch(/^backend: wasm/m);
  expect(first.err.match(/^backend: /gm)).toHaveLength(1); // printed once, not per trial
  expect(first.err).toMatch(/^trial 1 c000-r0 \(new\): augment=none batchSize=(8|16) lr=0\.0\d+; 5 epochs$/m);
  expect(first.err).toMatch(/^ {2}epoch 5\/5: step \d+\/\d+ .*val_acc=/m);
  const logs = await Promise.all(first.trials.map((t) => readFile(join(t.folder, 'train.log.jsonl'), 'utf8')));

  // As if the first run had been asked for 3 trials and killed after 2: the same configs
  // come first (seeded sampler), so only the third trains.
  const second = await run({ data, out, scheduler: 'random', trials: 3, budget: 5, resume: true });
  expect(second.trials.map((t) => [t.trialId, t.status])).toEqual([['c000-r0', 'reused'], ['c001-r0', 'reused'], ['c002-r0', 'ok']]);
  expect(second.trials.slice(0, 2).map((t) => [t.config, t.metric])).toEqual(first.trials.map((t) => [t.config, t.metric]));
  expect(second.summary.reused).toBe(2);
  expect(second.summary.totalEpochs).toBe(15);
  expect(second.err).not.toMatch(/trial \d+ c00[01]-r0/); // never started again
  for (const [i, t] of first.trials.entries()) expect(await readFile(join(t.folder, 'train.log.jsonl'), 'utf8')).toBe(logs[i]);
  await checkOutputs(out, second.trials);

  // Chance is 1/3; 5 epochs of the small CNN on upright shapes do better.
  const best = second.summary.best;
  console.log(`random: best ${best.trialId} val acc ${best.metric} (${JSON.stringify(best.config)}), ${second.trials.map((t) => t.metric).join(' ')}; ${first.summary.seconds.toFixed(1)} + ${second.summary.seconds.toFixed(1)} s`);
  expect(best.metric!).toBeGreaterThanOrEqual(0.55);
  expect(best.metric).toBe(Math.max(...second.trials.map((t) => t.metric!)));
});

test('ASHA promotes by continuing the checkpoint; a promotion killed mid-way resumes and ends where an uninterrupted one does', async () => {
  const out = join(root, 'asha');
  // 3 configs at 1 epoch, the best 1/3 continues to 3 epochs.
  const first = await run({ data, out, scheduler: 'asha', trials: 3, budget: 3, eta: 3 });
  expect(first.trials.map((t) => [t.trialId.slice(-2), t.epochs])).toEqual([['r0', 1], ['r0', 1], ['r0', 1], ['r1', 3]]);
  const promoted = first.trials[3]!;
  const from = first.trials.filter((t) => t.rung === 0).reduce((a, b) => (b.metric! > a.metric! ? b : a));
  expect(promoted.resumeFrom).toBe(from.trialId);
  expect(promoted.configIndex).toBe(from.configIndex);
  expect(first.summary.totalEpochs).toBe(5);
  // The promotion continued rung 0's run: its log has a resume at rung 0's last step.
  const log = (await readFile(join(promoted.folder, 'train.log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  expect(log.find((r) => r.type === 'resume')?.step).toBe(from.steps);
  expect(promoted.steps).toBe(3 * from.steps!);

  // Kill right after the promotion started: its folder is the copy of rung 0 and trial.json says running.
  await rm(promoted.folder, { recursive: true });
  await cp(from.folder, promoted.folder, { recursive: true });
  const { metric: _m, ...running } = promoted;
  await writeFile(join(promoted.folder, 'trial.json'), JSON.stringify({ ...running, metric: null, status: 'running', seconds: 0 }));
  await rm(join(out, 'tune_results.csv'));

  const second = await run({ data, out, scheduler: 'asha', trials: 3, budget: 3, eta: 3, resume: true });
  expect(second.trials.map((t) => [t.trialId, t.status])).toEqual([...first.trials.slice(0, 3).map((t) => [t.trialId, 'reused']), [promoted.trialId, 'resumed']]);
  expect(second.err).toMatch(new RegExp(`^trial 1 ${promoted.trialId} \\(resuming interrupted trial\\)`, 'm'));
  // Resuming is exact: the same accuracy as the uninterrupted promotion.
  expect(second.trials[3]!.metric).toBe(promoted.metric);
  await checkOutputs(out, second.trials);
  console.log(`asha: ${second.trials.map((t) => `${t.trialId} ${t.metric}`).join(', ')}; ${first.summary.seconds.toFixed(1)} + ${second.summary.seconds.toFixed(1)} s`);
});

describe('typed errors', () => {
  const err = async (options: Record<string, unknown>, space?: unknown): Promise<unknown> => {
    let file = spaceFile;
    if (space !== undefined) {
      file = join(root, `space-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, typeof space === 'string' ? space : JSON.stringify(space));
    }
    return classify.run!([], { ...base, data, out: join(root, 'errors'), space: file, ...options }, createMemoryIO()).then(
      () => undefined,
      (e: unknown) => e,
    );
  };

  test.each([
    ['not JSON', '{"lr": {"logUniform": [0.001, 0.1]', 'E_BAD_JSON', /not valid JSON/],
    ['not an object', '[1, 2]', 'E_BAD_JSON', /must be a JSON object/],
    ['unknown form', { lr: { between: [0.001, 0.1] } }, 'E_BAD_JSON', /exactly one of the keys/],
    ['range of one number', { lr: { logUniform: [0.001] } }, 'E_BAD_JSON', /\[low, high\]/],
    ['unknown parameter', { learningRate: { logUniform: [0.001, 0.1] } }, 'E_USAGE', /unknown parameter "learningRate"; tunable: lr, /],
    ['log range from 0', { lr: { logUniform: [0, 0.1] } }, 'E_USAGE', /low > 0/],
    ['reversed range', { lr: { uniform: [0.1, 0.01] } }, 'E_USAGE', /low <= high/],
    ['negative lr', { lr: { uniform: [-0.1, 0.1] } }, 'E_USAGE', /"lr" = -0.1: must be > 0/],
    ['unknown optimizer', { optimizer: ['adam', 'rmsprop'] }, 'E_USAGE', /"optimizer" = "rmsprop": must be one of adam, adamw, sgd/],
    ['float batch size', { batchSize: { uniform: [8, 32] } }, 'E_USAGE', /"batchSize" is an integer/],
    ['backbone-only parameter', { unfreeze: { int: [0, 4] } }, 'E_USAGE', /"unfreeze" applies only with --backbone/],
    ['empty space', {}, 'E_USAGE', /is empty/],
  ])('%s', async (_what, space, code, message) => {
    const e = (await err({}, space)) as { code: string; message: string };
    expect(e).toMatchObject({ code });
    expect(e.message).toMatch(message);
  });

  test('flags', async () => {
    expect(await err({ lr: 0.01 })).toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('"lr" is searched, so it cannot also be fixed') });
    expect(await err({ valSplit: 0 })).toMatchObject({ code: 'E_USAGE' });
    expect(await err({ budget: 3, minBudget: 4 })).toMatchObject({ code: 'E_USAGE' });
    expect(await err({ space: join(root, 'missing.json') })).toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    expect(await err({ data: join(root, 'missing') })).toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    // An --out that holds a search needs --resume, and a resume needs the same settings.
    expect(await err({ out: join(root, 'random'), scheduler: 'random', budget: 5 })).toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('pass --resume') });
    expect(await err({ out: join(root, 'random'), scheduler: 'random', budget: 4, resume: true })).toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringContaining('budget: 5 -> 4'),
    });
  });
});

test('default spaces leave out what flags fix and fit the backbone', () => {
  expect(Object.keys(defaultTuneSpace({})).sort()).toEqual(['augment', 'batchSize', 'lr', 'optimizer']);
  expect(Object.keys(defaultTuneSpace({ optimizer: 'sgd', augment: 'basic' })).sort()).toEqual(['batchSize', 'lr']);
  expect(defaultTuneSpace({ optimizer: 'sgd' }).lr).toEqual({ kind: 'logUniform', low: 5e-3, high: 0.2 });
  const backbone = defaultTuneSpace({ pretrained: 'mobilenetv2' });
  expect(Object.keys(backbone).sort()).toEqual(['backboneLrScale', 'lr', 'unfreeze']);
  expect(() => checkTuneSpace(backbone, { pretrained: 'mobilenetv2' })).not.toThrow();
  expect(() => checkTuneSpace(defaultTuneSpace({}), {})).not.toThrow();
  // Short forms: a list is a choice, a value is fixed.
  expect(parseTuneSpace('{"batchSize": [16, 32], "augment": "none", "size": {"logInt": [16, 64]}}')).toEqual({
    batchSize: { kind: 'choice', values: [16, 32] },
    augment: { kind: 'choice', values: ['none'] },
    size: { kind: 'int', low: 16, high: 64, log: true },
  });
});
