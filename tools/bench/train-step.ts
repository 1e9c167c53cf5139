/**
 * ms per training step (forward + backward + Adam update) of train-core's two example
 * models, on the wasm backend with train-core's gradient kernels versus the pure-JS cpu
 * backend, in one run. Prints a table and the wasm/cpu speed ratio.
 *
 *   npx tsx tools/bench/train-step.ts [--wasm-steps 5] [--cpu-steps 1] [--skip-cpu]
 *
 * Run from the repo root with tsx (a dev dependency of @modelkit/train-core). The cpu
 * backend is slow, so it runs few steps; numbers on a shared machine are noisy.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2Like, selectBackend, smallCnn } from '../../packages/train-core/src';

interface Case {
  name: string;
  build: () => tfl.LayersModel;
  batch: number;
  size: number;
  classes: number;
}

const CASES: Case[] = [
  { name: 'small CNN (4 conv blocks) 16×64×64×3', build: () => smallCnn({ numClasses: 10, seed: 7 }), batch: 16, size: 64, classes: 10 },
  { name: 'MobileNetV2-style α0.35 16×96×96×3', build: () => mobileNetV2Like({ numClasses: 10, seed: 7 }), batch: 16, size: 96, classes: 10 },
];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Mean ms of `steps` timed training steps after one warm-up step. */
async function timeSteps(c: Case, backend: 'wasm' | 'cpu', steps: number): Promise<number> {
  await tf.setBackend(backend);
  const model = c.build();
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([c.batch, c.size, c.size, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: c.batch }, (_, i) => i % c.classes), 'int32'), c.classes);
  const step = async (): Promise<void> => {
    const loss = opt.minimize(
      () => tf.mean(tfl.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      true,
    );
    await loss!.data();
    loss!.dispose();
  };
  await step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const ms = (performance.now() - t0) / steps;
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return ms;
}

const USAGE = 'usage: npx tsx tools/bench/train-step.ts [--wasm-steps 5] [--cpu-steps 1] [--skip-cpu]';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const wasmSteps = arg('--wasm-steps', 5);
  const cpuSteps = arg('--cpu-steps', 1);
  const skipCpu = process.argv.includes('--skip-cpu');
  const choice = await selectBackend({ prefer: 'wasm' });
  console.log(`backend: ${choice.backend}; tfjs ${tf.version_core}; node ${process.version}`);
  const rows: string[][] = [];
  for (const c of CASES) {
    const wasm = await timeSteps(c, 'wasm', wasmSteps);
    const cpu = skipCpu ? NaN : await timeSteps(c, 'cpu', cpuSteps);
    rows.push([c.name, wasm.toFixed(0), skipCpu ? '-' : cpu.toFixed(0), skipCpu ? '-' : `${(cpu / wasm).toFixed(1)}×`]);
    console.log(`done: ${c.name}`);
  }
  const head = ['model', 'wasm+kernels ms/step', 'cpu ms/step', 'cpu/wasm'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => `| ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`(wasm: mean of ${wasmSteps} steps, cpu: mean of ${cpuSteps}, each after one warm-up step)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
