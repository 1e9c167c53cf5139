/**
 * Structured channel pruning measured on Fashion-MNIST: trains a classifier with
 * `trainClassifier` (what `modelkit train classify` runs), prunes it with `pruneClassifier`
 * (what `modelkit compress prune` runs) to each FLOPs target with each criterion, by one
 * uniform ratio and by per-group sensitivity, fine-tunes every pruned model for the same
 * epochs, and prints one table: FLOPs, parameters, ONNX size, onnxruntime ms/image (1 thread,
 * batch 1 and batch 32, every model interleaved round by round with the unpruned one),
 * validation accuracy before fine-tuning and test accuracy (a fixed seeded test subset, tfjs)
 * after it.
 *
 *   npx tsx tools/bench/compress/prune.ts [--model small-cnn|mobilenet-v2] [--size 32]
 *     [--per-class 150] [--val-per-class 30] [--test-per-class 100] [--epochs 5]
 *     [--ft-epochs 2] [--criteria l1,fpgm,bn-scale] [--targets 0.7,0.5]
 *     [--methods uniform,sensitivity] [--rounds 20] [--seed 0] [--keep DIR]
 *
 *   npx tsx tools/bench/compress/prune.ts --layouts [--rounds 40]
 *
 * `--layouts` only times the channel-count question behind `--channel-multiple`: the small
 * CNN (random weights, BatchNorm folded at export) with 16/32/64/128 filters against three
 * prunings to ~49% of its FLOPs (13/27/34/47, 12/28/36/48, 16/24/32/48), at 64² and 128²,
 * twice, interleaved, 1 thread, batch 1.
 *
 * Each criterion's sensitivity sweep is measured once and reused for every target. The
 * unpruned model is also fine-tuned for the same epochs (row `unpruned + ft`), so the
 * pruned rows are compared with equal training. Needs `apt-get install dataset-fashion-mnist`
 * (skips with a message otherwise). Run from the repo root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  createAccuracyEvaluator, exportLayersModelToOnnx, fineTuneClassifier, loadClassifyData, loadTrainedClassifier, pruneClassifier, selectBackend, trainClassifier,
  type AccuracyEvaluator, type PruneClassifierResult, type PruneCriterion, type PruneMethod, type SensitivityResult,
} from '../../../packages/train-core/src';
import { timeInterleaved } from '../../../packages/compress/src/index';
import { fashionMnistAvailable, fewLabelSubsets, readFashionSplit, writeClassFolder } from '../train-fashion-mnist/fashion-mnist';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // lscpu is missing on some systems: fall back to Node's view.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

interface Row {
  name: string;
  criterion: string;
  method: string;
  target: string;
  result?: PruneClassifierResult;
  flops: number;
  params: number;
  onnx: string;
  bytes: number;
  valBefore?: number;
  testAcc: number;
  seconds: number;
}

/** The small CNN's layout (3×3 conv, BN, ReLU, 2×2 max-pool per block) with given filters. */
function cnn(size: number, filters: readonly number[]): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = input;
  for (const f of filters) {
    x = tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({}).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 10, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor });
}

/** `--layouts`: onnxruntime time of equal-FLOPs prunings with different channel counts. */
async function layouts(rounds: number): Promise<void> {
  await selectBackend({ prefer: 'wasm' });
  const variants: [string, number[]][] = [['16/32/64/128', [16, 32, 64, 128]], ['13/27/34/47', [13, 27, 34, 47]], ['12/28/36/48', [12, 28, 36, 48]], ['16/24/32/48', [16, 24, 32, 48]]];
  console.log(`machine: ${cpuModel()}, ${cpus().length} vCPUs; load ${load()}`);
  console.log(`| size | ${variants.map(([n]) => n).join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---|').join('')}`);
  for (const size of [64, 128, 64, 128]) {
    const models = variants.map(([name, f]) => {
      const m = cnn(size, f);
      const onnx = exportLayersModelToOnnx(m, { inputName: 'image' });
      m.dispose();
      return { name, source: onnx };
    });
    let s = 3;
    const feeds = Array.from({ length: 8 }, () => ({ image: { data: Float32Array.from({ length: size * size * 3 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32)), dims: [1, size, size, 3] } }));
    const t = await timeInterleaved(models, feeds, { rounds, threads: 1 });
    const base = t[0]!.medianMs;
    console.log(`| ${size}² | ${t.map((r) => `${(r.medianMs / 8).toFixed(3)} ms (${(base / r.medianMs).toFixed(2)}x)`).join(' | ')} |`);
  }
  console.log(`load ${load()}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--layouts')) return layouts(Number(arg('--rounds', '40')));
  if (!(await fashionMnistAvailable())) {
    console.log('skipped: Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR)');
    return;
  }
  const model = arg('--model', 'small-cnn') as 'small-cnn' | 'mobilenet-v2';
  const size = Number(arg('--size', '32'));
  const perClass = Number(arg('--per-class', '150'));
  const valPerClass = Number(arg('--val-per-class', '30'));
  const testPerClass = Number(arg('--test-per-class', '100'));
  const epochs = Number(arg('--epochs', '5'));
  const ftEpochs = Number(arg('--ft-epochs', '2'));
  const criteria = arg('--criteria', 'l1,fpgm,bn-scale').split(',') as PruneCriterion[];
  const targets = arg('--targets', '0.7,0.5').split(',').map(Number);
  const methods = arg('--methods', 'uniform,sensitivity').split(',') as PruneMethod[];
  const rounds = Number(arg('--rounds', '20'));
  const seed = Number(arg('--seed', '0'));
  const keep = process.argv.includes('--keep') ? arg('--keep', '') : undefined;
  const t0 = performance.now();
  const loadStart = load();

  const root = keep ?? (await mkdtemp(join(tmpdir(), 'prune-bench-')));
  const [train, val] = fewLabelSubsets(readFashionSplit('train'), [perClass, valPerClass], seed);
  const [test] = fewLabelSubsets(readFashionSplit('t10k'), [testPerClass], seed + 1);
  const data = join(root, 'data');
  await writeClassFolder(join(data, 'train'), train!);
  await writeClassFolder(join(data, 'val'), val!);
  await writeClassFolder(join(root, 'test'), test!);

  const backend = await selectBackend({ prefer: 'wasm' });
  console.error(`backend ${backend.backend}; ${train!.labels.length} train / ${val!.labels.length} val / ${test!.labels.length} test images; load ${load()}`);
  const run = join(root, 'run');
  const tTrain = performance.now();
  const trained = await trainClassifier({ data, out: run, model, size, epochs, batchSize: 32, seed, augment: 'none', backend: 'wasm', onMessage: (l) => console.error(l) });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  console.error(`trained ${model} in ${trainSeconds.toFixed(0)} s: val accuracy ${trained.valAccuracy}`);

  const testSet = (await loadClassifyData(join(root, 'test'), { size, valSplit: 0, seed: 0 })).train;
  const evaluator: AccuracyEvaluator = await createAccuracyEvaluator(testSet);
  const rows: Row[] = [];

  // The unpruned model, and the same model fine-tuned for the pruned rows' extra epochs.
  {
    const base = await loadTrainedClassifier(run);
    const ds = await loadClassifyData(data, { size, valSplit: 0, seed, classNames: base.classNames });
    const baseAcc = await evaluator.evaluate(base.model);
    const unprunedOnnx = join(run, 'model.onnx');
    rows.push({ name: 'unpruned', criterion: '-', method: '-', target: '1.0', flops: 0, params: base.model.countParams(), onnx: unprunedOnnx, bytes: (await stat(unprunedOnnx)).size, testAcc: baseAcc, seconds: trainSeconds });
    const tFt = performance.now();
    await fineTuneClassifier(base.model, ds.train, base.config, { epochs: ftEpochs, lr: base.config.lr * 0.3, batchSize: base.config.batchSize });
    rows.push({ name: 'unpruned + ft', criterion: '-', method: '-', target: '1.0', flops: 0, params: base.model.countParams(), onnx: unprunedOnnx, bytes: (await stat(unprunedOnnx)).size, testAcc: await evaluator.evaluate(base.model), seconds: (performance.now() - tFt) / 1000 });
    base.model.dispose();
  }

  const sweeps = new Map<PruneCriterion, SensitivityResult>();
  for (const criterion of criteria) {
    for (const target of targets) {
      for (const method of methods) {
        const name = `${criterion}-${method}-${Math.round(target * 100)}`;
        const t = performance.now();
        let testAcc = NaN;
        const r = await pruneClassifier({
          run,
          data,
          out: join(root, name),
          flops: target,
          criterion,
          method,
          sensitivity: method === 'sensitivity' ? sweeps.get(criterion) : undefined,
          epochs: ftEpochs,
          backend: 'wasm',
          onPrunedModel: async (pruned) => {
            testAcc = await evaluator.evaluate(pruned);
          },
        });
        if (r.sensitivity) sweeps.set(criterion, r.sensitivity);
        const seconds = (performance.now() - t) / 1000;
        console.error(`${name}: FLOPs ${(r.flopsRatio * 100).toFixed(1)}%, val ${r.accuracy.baseline.toFixed(3)} -> ${r.accuracy.pruned.toFixed(3)} -> ${r.accuracy.fineTuned?.toFixed(3)}, test ${testAcc.toFixed(3)}, ${seconds.toFixed(0)} s (sweep ${r.seconds.sensitivity.toFixed(0)} s), load ${load()}`);
        if (rows[0]!.flops === 0) rows[0]!.flops = rows[1]!.flops = r.before.flops;
        rows.push({ name, criterion, method, target: target.toFixed(1), result: r, flops: r.after.flops, params: r.after.params, onnx: r.files.onnx, bytes: (await stat(r.files.onnx)).size, valBefore: r.accuracy.pruned, testAcc, seconds });
      }
    }
  }
  evaluator.dispose();

  // All models timed together, interleaved round by round: load from other processes hits
  // every one alike. Batch 1 (latency) and batch 32 (throughput, where the convolutions
  // rather than per-node overhead dominate at these tiny sizes).
  let s = 7;
  const image = (n: number): Float32Array => Float32Array.from({ length: n * size * size * 3 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32));
  const timed = rows.filter((r) => r.name !== 'unpruned + ft');
  const loadBeforeTiming = load();
  const msPerImage = async (batch: number, feedsCount: number): Promise<Map<string, number>> => {
    const feeds = Array.from({ length: feedsCount }, () => ({ image: { data: image(batch), dims: [batch, size, size, 3] } }));
    const times = await timeInterleaved(timed.map((r) => ({ name: r.name, source: r.onnx })), feeds, { rounds, threads: 1 });
    return new Map(times.map((t) => [t.name, t.medianMs / (batch * feedsCount)]));
  };
  const ms1 = await msPerImage(1, 8);
  const ms32 = await msPerImage(32, 1);

  const base = rows[0]!;
  console.log(`\nmodel ${model} ${size}x${size}, Fashion-MNIST ${perClass}/class train (${epochs} epochs), ${valPerClass}/class val, ${testPerClass}/class test; fine-tuning ${ftEpochs} epochs`);
  console.log(`machine: ${cpuModel()}, ${cpus().length} vCPUs; load ${loadStart} at start, ${loadBeforeTiming} before timing, ${load()} at end; total ${((performance.now() - t0) / 60000).toFixed(1)} min\n`);
  console.log('| model | criterion | ratios | FLOPs kept | MFLOPs | params | ONNX KB | ms/image batch 1 | ms/image batch 32 | val acc before ft | test acc |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const cell = (m: Map<string, number>, name: string): string => {
    const v = m.get(name === 'unpruned + ft' ? 'unpruned' : name)!;
    return `${v.toFixed(3)} (${(m.get('unpruned')! / v).toFixed(2)}x)`;
  };
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.criterion} | ${r.method} | ${r.result ? `${(r.result.flopsRatio * 100).toFixed(1)}% (target ${Number(r.target) * 100}%)` : '100%'} | ${(r.flops / 1e6).toFixed(2)} | ${r.params} | ${(r.bytes / 1024).toFixed(0)} | ${cell(ms1, r.name)} | ${cell(ms32, r.name)} | ${r.valBefore !== undefined ? (r.valBefore * 100).toFixed(1) : '-'} | ${(r.testAcc * 100).toFixed(1)} |`,
    );
  }
  console.log(`\nunpruned: ${(base.flops / 1e6).toFixed(2)} MFLOPs; ratios per group (sensitivity rows):`);
  for (const r of rows.filter((x) => x.result?.method === 'sensitivity')) {
    console.log(`  ${r.name}: ${r.result!.groups.map((g) => `${g.kept}/${g.channels}`).join(' ')}`);
  }
  if (!keep) await rm(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
