import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ProgressEvent } from '@modelkit/core';
import { Accuracy, ArrayDataset, crossEntropy, loadCheckpoint, parseTrainingLog, selectBackend, Sgd, smallCnn, Trainer } from '../src';
import { disposeTrainer, maxDiff, stateOf, TINY_EPOCHS, tinyData, tinyFitOptions, tinyTrainer } from './fixtures/tiny-run';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mk-trainer-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A trainer that aborts itself after `steps` steps. */
function stoppingTrainer(dir: string, steps: number): { trainer: Trainer; signal: AbortSignal } {
  const ctrl = new AbortController();
  const trainer = tinyTrainer(dir, (e) => {
    if (e.phase === 'progress' && e.done >= steps) ctrl.abort();
  });
  return { trainer, signal: ctrl.signal };
}

let straight: Float32Array[];
let straightSteps: number;

test('fit trains (loss falls), leaks no tensors across steps and reports progress', async () => {
  const counts: number[] = [];
  const events: ProgressEvent[] = [];
  const trainer = tinyTrainer(undefined, (e) => {
    events.push(e);
    if (e.phase === 'progress') counts.push(tf.memory().numTensors);
  });
  const fit = await trainer.fit(tinyData(), tinyFitOptions());
  expect(fit).toMatchObject({ steps: 20, epochs: TINY_EPOCHS, stopReason: 'completed', resumed: false });
  // From the second step on (optimizer slots and EMA exist) the tensor count is flat.
  expect(new Set(counts.slice(1)).size).toBe(1);
  const train = fit.log.filter((r) => r.type === 'train');
  expect(train.length).toBe(12); // every 2 steps, plus each epoch's last step
  expect(train[0].values).toHaveProperty('acc');
  expect(train[0].values.lr).toBeGreaterThan(0);
  expect(events[0]).toMatchObject({ task: 'train', phase: 'start', total: 20, unit: 'steps' });
  expect(events[events.length - 1]).toMatchObject({ phase: 'end', done: 20 });
  straight = await stateOf(trainer);
  straightSteps = fit.steps;
  disposeTrainer(trainer);
});

test.each([
  ['mid-epoch', 7],
  ['at an epoch boundary', 10],
])('stop %s + resume gives the same weights as one straight run', async (_name, stopAt) => {
  const dir = await tempDir();
  const first = stoppingTrainer(dir, stopAt);
  const part = await first.trainer.fit(tinyData(), tinyFitOptions({ signal: first.signal }));
  expect({ steps: part.steps, stopReason: part.stopReason }).toEqual({ steps: stopAt, stopReason: 'aborted' });
  disposeTrainer(first.trainer);

  const second = tinyTrainer(dir);
  const rest = await second.fit(tinyData(), tinyFitOptions({ resume: true }));
  expect({ steps: rest.steps, resumed: rest.resumed, stopReason: rest.stopReason }).toEqual({ steps: straightSteps, resumed: true, stopReason: 'completed' });
  expect(maxDiff(await stateOf(second), straight)).toBeLessThanOrEqual(1e-6);
  disposeTrainer(second);
});

test('evaluation, best checkpoint, early stopping and the JSONL log', async () => {
  const dir = await tempDir();
  const data = tinyData();
  // lr 0: the weights never change, so after the first evaluation nothing improves.
  const trainer = new Trainer({
    model: smallCnn({ numClasses: 3, inputSize: 8, blocks: 2, baseFilters: 4, seed: 2 }),
    optimizer: new Sgd({ learningRate: 0 }),
    lossFn: crossEntropy(),
    metrics: [new Accuracy()],
    checkpointDir: dir,
  });
  const fit = await trainer.fit(data, { epochs: 10, batchSize: 20, evalData: data, bestMetric: 'acc', earlyStopping: { patience: 2 } });
  expect(fit.stopReason).toBe('early-stopping');
  expect(fit.epochs).toBe(3); // best at epoch 1, then 2 evaluations without improvement
  expect(fit.best).toMatchObject({ metric: 'acc', epoch: 0, step: 2 });
  expect(fit.lastEval?.acc).toBeCloseTo(fit.best!.value, 12);
  const best = await loadCheckpoint(join(dir, 'best'));
  const last = await loadCheckpoint(join(dir, 'last'));
  expect(best).toMatchObject({ step: 2, epoch: 1, batchInEpoch: 0 });
  expect(last).toMatchObject({ step: 6, epoch: 3, badEvals: 2, best: fit.best });
  const log = parseTrainingLog(await readFile(join(dir, 'train.log.jsonl'), 'utf8'));
  expect(log.filter((r) => r.type === 'eval').map((r) => r.epoch)).toEqual([0, 1, 2]);
  expect(log[log.length - 1]).toMatchObject({ type: 'end', values: { stopReason: 'early-stopping' } });
  // evaluate and predict agree with each other.
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => (i % 7) / 7), [2, 8, 8, 3]);
  const p = await trainer.predict(x, { batchSize: 1 });
  expect(p.shape).toEqual([2, 3]);
  const direct = trainer.model.predict(x) as tf.Tensor;
  expect(maxDiff([p.dataSync() as Float32Array], [direct.dataSync() as Float32Array])).toBeLessThan(1e-6);
  tf.dispose([x, p, direct]);
  disposeTrainer(trainer);
});

test('bad arguments are typed errors', async () => {
  const trainer = tinyTrainer();
  await expect(trainer.fit(tinyData(), { epochs: 0, batchSize: 4 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(trainer.fit(tinyData(), { epochs: 1, batchSize: 4, resume: true })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(trainer.fit(tinyData(), { epochs: 1, batchSize: 4, earlyStopping: { patience: 1 } })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  const wrong = new ArrayDataset({ inputs: [[1, 2]], inputShape: [2], targets: [0] });
  await expect(trainer.fit(wrong, { epochs: 1, batchSize: 1 })).rejects.toThrow();
  disposeTrainer(trainer);
});

test('SIGKILL during training never leaves a broken checkpoint, and resume finishes the run exactly', async () => {
  const dir = await tempDir();
  const pkg = join(__dirname, '..');
  const child = spawn(
    process.execPath,
    // tsx as a loader of this very process (not its CLI, which would run the script in a
    // grandchild that SIGKILL does not reach).
    ['--import', 'tsx', join(pkg, 'test/fixtures/train-child.ts'), dir],
    { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSX_TSCONFIG_PATH: join(pkg, 'test/fixtures/tsconfig.json') } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killedAt = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const steps = [...out.matchAll(/step (\d+)/g)].map((m) => Number(m[1]));
      const last = steps[steps.length - 1] ?? 0;
      if (last >= 6 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
        resolve(last);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited early (${code}): ${stderr}`));
    });
  });
  await new Promise((r) => child.once('close', r));
  const ckpt = await loadCheckpoint(join(dir, 'last'));
  // The manifest and its state file agree (sha256-checked by loadCheckpoint), and the
  // checkpoint is at most the step the child was on.
  expect(ckpt).toBeDefined();
  expect(ckpt!.step).toBeGreaterThanOrEqual(5);
  expect(ckpt!.step).toBeLessThanOrEqual(killedAt + 1);
  expect(ckpt!.step).toBeLessThan(straightSteps);
  expect((await readdir(join(dir, 'last'))).filter((f) => f.startsWith('state-')).length).toBeLessThanOrEqual(2);

  const resumed = tinyTrainer(dir);
  const fit = await resumed.fit(tinyData(), tinyFitOptions({ resume: true }));
  expect(fit).toMatchObject({ resumed: true, steps: straightSteps });
  expect(maxDiff(await stateOf(resumed), straight)).toBeLessThanOrEqual(1e-6);
  disposeTrainer(resumed);
}, 60_000);
