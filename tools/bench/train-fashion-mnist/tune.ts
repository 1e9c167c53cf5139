/**
 * `modelkit tune classify` on a real dataset: a seeded Fashion-MNIST subset of 100 images a
 * class (1 000 in all, 28×28 grey, written as class folders of PNGs), the small CNN from
 * scratch at 28², ASHA over the default space (learning rate, optimizer, batch size,
 * augmentation). Runs the real CLI (`packages/cli/src/bin.ts`, which mounts train-core's
 * built `dist/`: build it first with `cd packages/train-core && npx tsup`), then scores the
 * best trial's `model.onnx` with onnxruntime on a disjoint, balanced set of the standard
 * test split — images no trial and no selection saw.
 *
 *   npx tsx tools/bench/train-fashion-mnist/tune.ts [--per-class 100] [--test-per-class 100]
 *     [--trials 9] [--budget 9] [--size 28] [--seed 0] [--dir /tmp/fashion-tune] [--resume]
 *
 * Needs `apt-get install dataset-fashion-mnist` (or FASHION_MNIST_DIR). Run from the repo
 * root. `--resume` continues a killed run in the same `--dir`.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fashionMnistAvailable, fewLabelSubsets, readFashionSplit, writeClassFolder, testAccuracy, arg } from './fashion-mnist';

/** What `uptime` prints: the time and the 1/5/15-minute load averages. */
const uptime = (): string => `${new Date().toISOString().slice(11, 19)} load average: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`;


async function main(): Promise<void> {
  if (!(await fashionMnistAvailable())) {
    console.log('Fashion-MNIST not found: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR)');
    return;
  }
  const perClass = Number(arg('--per-class', '100'));
  const testPerClass = Number(arg('--test-per-class', '100'));
  const seed = Number(arg('--seed', '0'));
  const dir = arg('--dir', '/tmp/fashion-tune');
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  const resume = process.argv.includes('--resume');
  if (!resume) await rm(dir, { recursive: true, force: true });
  if (!(await access(data).then(() => true, () => false))) {
    const [train] = fewLabelSubsets(readFashionSplit('train'), [perClass], seed);
    await writeClassFolder(data, train!);
  }
  const [test] = fewLabelSubsets(readFashionSplit('t10k'), [testPerClass], seed + 1);

  const cli = [
    'packages/cli/src/bin.ts', 'tune', 'classify', '--data', data, '--out', out,
    '--model', 'small-cnn', '--size', arg('--size', '28'), '--backend', 'wasm',
    '--scheduler', 'asha', '--trials', arg('--trials', '9'), '--budget', arg('--budget', '9'), '--seed', String(seed),
    ...(resume ? ['--resume'] : []),
  ];
  const before = uptime();
  console.log(`$ npx tsx ${cli.join(' ')}\n# before: ${before}`);
  const t0 = performance.now();
  const code = await new Promise<number>((done) => {
    spawn(join('node_modules', '.bin', 'tsx'), cli, { stdio: 'inherit' }).on('exit', (c) => done(c ?? 1));
  });
  const seconds = (performance.now() - t0) / 1000;
  const after = uptime();
  if (code !== 0) throw new Error(`modelkit tune classify exited with ${code}`);
  const best = JSON.parse(await readFile(join(out, 'best.json'), 'utf8')) as { trial: string; value: number; model: string; epochs: number; config: Record<string, unknown> };
  const acc = await testAccuracy(best.model, test!);
  console.log(
    `\nwall time ${(seconds / 60).toFixed(1)} min (${seconds.toFixed(0)} s); after: ${after}\n` +
      `best ${best.trial} (${JSON.stringify(best.config)}, ${best.epochs} epochs): val accuracy ${(best.value * 100).toFixed(1)}%, ` +
      `test accuracy ${(acc * 100).toFixed(1)}% on ${test!.images.length} t10k images (${testPerClass} a class, never seen by the search)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
