/**
 * Wall-clock time of train-core's headline run: the small CNN trained from scratch on
 * generated shapes, exactly the setup of packages/train-core/test/trainer-shapes.test.ts
 * (2000 training / 400 held-out 32×32 images, 2 epochs of batch 16 = 250 steps, Adam with
 * cosine warm-up, wasm backend with train-core's gradient kernels). The test checks the
 * accuracy; this prints how long data generation, training and evaluation take, which the
 * train-core README quotes. No assertions: numbers on a shared machine are noisy.
 *
 *   npx tsx tools/bench/train-shapes.ts [--runs 1]
 *
 * Run from the repo root with tsx (a dev dependency of @modelkit/train-core).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Accuracy, Adam, ArrayDataset, cosineWarmup, crossEntropy, generateShapes, randomHorizontalFlip, selectBackend, smallCnn, Trainer } from '../../packages/train-core/src';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function shapesDataset(count: number, seed: number, augment: boolean): ArrayDataset {
  const data = generateShapes({ count, size: 32, seed });
  const inputs = tf.tensor4d(data.images, [count, 32, 32, 3]);
  const ds = new ArrayDataset({ inputs, targets: Array.from(data.labels), numClasses: 4, transform: augment ? randomHorizontalFlip() : undefined });
  inputs.dispose();
  return ds;
}

interface RunTimes {
  dataS: number;
  trainS: number;
  evalS: number;
  steps: number;
  acc: number;
}

async function run(): Promise<RunTimes> {
  const g0 = performance.now();
  const train = shapesDataset(2000, 11, true);
  const test = shapesDataset(400, 999, false);
  const dataS = (performance.now() - g0) / 1000;
  const epochs = 2;
  const batchSize = 16;
  const steps = epochs * Math.ceil(train.length / batchSize);
  const model = smallCnn({ numClasses: 4, inputSize: 32, blocks: 4, baseFilters: 12, seed: 5, batchNormMomentum: 0.9 });
  const trainer = new Trainer({
    model,
    optimizer: new Adam({ learningRate: cosineWarmup({ baseLr: 5e-3, totalSteps: steps, warmupSteps: 10 }) }),
    lossFn: crossEntropy(),
    metrics: [new Accuracy()],
    seed: 3,
  });
  const t0 = performance.now();
  const fit = await trainer.fit(train, { epochs, batchSize, logInterval: 20 });
  const trainS = (performance.now() - t0) / 1000;
  const e0 = performance.now();
  const result = await trainer.evaluate(test, { batchSize: 100 });
  const evalS = (performance.now() - e0) / 1000;
  trainer.dispose();
  model.dispose();
  return { dataS, trainS, evalS, steps: fit.steps, acc: result.acc };
}

async function main(): Promise<void> {
  const runs = arg('--runs', 1);
  const choice = await selectBackend({ prefer: 'wasm' });
  console.log(`backend: ${choice.backend}; tfjs ${tf.version_core}; node ${process.version}`);
  const head = ['run', 'steps', 'train s', 'steps/s', 'data s', 'eval s', 'held-out acc'];
  const rows: string[][] = [];
  for (let r = 1; r <= runs; r++) {
    const t = await run();
    rows.push([String(r), String(t.steps), t.trainS.toFixed(1), (t.steps / t.trainS).toFixed(1), t.dataS.toFixed(1), t.evalS.toFixed(1), t.acc.toFixed(4)]);
    console.log(`done: run ${r}`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[]): string => `| ${row.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
