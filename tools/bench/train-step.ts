/**
 * ms per training step (forward + backward + Adam update) of train-core's two example
 * models, on the wasm backend with train-core's gradient kernels versus the pure-JS cpu
 * backend, in one run. Prints a table and the wasm/cpu speed ratio.
 *
 *   npx tsx tools/bench/train-step.ts [--wasm-steps 5] [--cpu-steps 1] [--skip-cpu]
 *       [--accum-steps 3] [--accum-micro 4] [--torch-steps 5] [--skip-accum] [--skip-torch]
 *       [--only-accum]
 *
 * Run from the repo root with tsx (a dev dependency of @modelkit/train-core). The cpu
 * backend is slow, so it runs few steps; numbers on a shared machine are noisy.
 *
 * Then (unless --skip-accum) gradient accumulation: real MobileNetV2 1.0 at 224², 10
 * classes, effective batch 16 = 4 micro-batches of 4, one train-core Trainer step each
 * (train-core's Adam, `microBatchSize: 4`), on wasm; ms per step and per image (median of
 * --accum-steps after one warm-up step), peak RSS and wasm heap size. When
 * `/usr/bin/python3` has torch and torchvision (and not --skip-torch), the same net
 * (torchvision `mobilenet_v2(num_classes=10)`, batch 16 in one piece, 1 thread, Adam)
 * runs in a child process in the same run, median of --torch-steps after 2 warm-up
 * steps, and the wasm/PyTorch ratio is printed.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Adam, ArrayDataset, crossEntropy, mobileNetV2, mobileNetV2Like, SeededRng, selectBackend, smallCnn, Trainer } from '../../packages/train-core/src';

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

const USAGE =
  'usage: npx tsx tools/bench/train-step.ts [--wasm-steps 5] [--cpu-steps 1] [--skip-cpu]\n' +
  '         [--accum-steps 3] [--accum-micro 4] [--torch-steps 5] [--skip-accum] [--skip-torch] [--only-accum]\n' +
  '  --accum-steps   timed Trainer steps of MobileNetV2 1.0 224², batch 16 = 4 micro-batches of 4 (wasm)\n' +
  '  --accum-micro   micro-batch size of that case (16 = no accumulation)\n' +
  '  --torch-steps   timed steps of the same net in PyTorch (/usr/bin/python3, 1 thread, batch 16)\n' +
  '  --skip-accum    skip that case; --skip-torch: skip PyTorch; --only-accum: only that case';

const ACCUM = { batch: 16, micro: arg('--accum-micro', 4), size: 224, classes: 10 };

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Bytes of the wasm backend's heap (it only grows, so this is its peak so far). */
function wasmHeapBytes(): number | undefined {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.buffer.byteLength;
}

const mib = (bytes: number | undefined): string => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

/**
 * Trainer steps of MobileNetV2 1.0 at 224² with gradient accumulation: per-step ms (from
 * the progress events; the first step is the warm-up) and memory.
 */
async function timeAccumulation(steps: number): Promise<{ stepMs: number[]; heapBefore?: number; heapAfter?: number; maxRss: number }> {
  await tf.setBackend('wasm');
  const heapBefore = wasmHeapBytes();
  const { batch, micro, size, classes } = ACCUM;
  const count = batch * (steps + 1);
  const rng = new SeededRng(3);
  const inputs = Array.from({ length: count }, () => Float32Array.from({ length: size * size * 3 }, () => rng.next()));
  const data = new ArrayDataset({ inputs, inputShape: [size, size, 3], targets: Array.from({ length: count }, (_, i) => i % classes) });
  const times: number[] = [performance.now()];
  const trainer = new Trainer({
    model: mobileNetV2({ inputSize: size, numClasses: classes }),
    optimizer: new Adam({ learningRate: 1e-3 }),
    lossFn: crossEntropy(),
    onProgress: (e) => {
      if (e.phase === 'progress') times.push(performance.now());
    },
  });
  try {
    await trainer.fit(data, { epochs: 1, batchSize: batch, microBatchSize: micro, shuffle: false, logInterval: 1000 });
  } finally {
    trainer.dispose();
    trainer.model.dispose();
  }
  const stepMs = times.slice(1).map((t, i) => t - times[i]);
  return { stepMs, heapBefore, heapAfter: wasmHeapBytes(), maxRss: process.resourceUsage().maxRSS * 1024 };
}

const TORCH_SCRIPT = `
import json, resource, sys, time
import torch, torchvision
torch.set_num_threads(1)
torch.manual_seed(0)
steps = int(sys.argv[1])
m = torchvision.models.mobilenet_v2(num_classes=10)
m.train()
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
x = torch.rand(16, 3, 224, 224)
y = torch.arange(16) % 10
loss_fn = torch.nn.CrossEntropyLoss()
def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(m(x), y)
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(2):
    step()
ms = []
for _ in range(steps):
    t0 = time.perf_counter()
    step()
    ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": ms, "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "torch": torch.__version__, "threads": torch.get_num_threads()}))
`;

/** The same step in PyTorch, or why not. */
function timeTorch(steps: number): { ms: number[]; maxRss: number; version: string } | string {
  const r = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, String(steps)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
  if (r.error) return `PyTorch not run: ${r.error.message}`;
  if (r.status !== 0) return `PyTorch not run: ${(r.stderr || '').trim().split('\n').pop()}`;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number[]; maxRssKiB: number; torch: string; threads: number };
  return { ms: out.ms, maxRss: out.maxRssKiB * 1024, version: `${out.torch}, ${out.threads} thread` };
}

async function accumulationCase(): Promise<void> {
  const steps = arg('--accum-steps', 3);
  const torchSteps = arg('--torch-steps', 5);
  const { batch, micro, size } = ACCUM;
  const load0 = os.loadavg()[0];
  const r = await timeAccumulation(steps);
  const timed = r.stepMs.slice(1);
  const med = median(timed);
  const torch = process.argv.includes('--skip-torch') ? 'PyTorch skipped (--skip-torch)' : timeTorch(torchSteps);
  const load1 = os.loadavg()[0];
  console.log(`\nMobileNetV2 1.0 ${size}², effective batch ${batch} = ${Math.ceil(batch / micro)} × ${micro} (Trainer microBatchSize ${micro}, wasm):`);
  console.log(`  steps ms: warm-up ${r.stepMs[0].toFixed(0)}, timed ${timed.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(`  median ${med.toFixed(0)} ms/step = ${(med / batch).toFixed(1)} ms/image`);
  console.log(`  peak RSS ${mib(r.maxRss)}; wasm heap ${mib(r.heapBefore)} before, ${mib(r.heapAfter)} after (grows only: its peak)`);
  if (typeof torch === 'string') {
    console.log(`  ${torch}`);
  } else {
    const tmed = median(torch.ms);
    console.log(`PyTorch ${torch.version}, torchvision mobilenet_v2(num_classes=10), batch ${batch} in one piece, Adam:`);
    console.log(`  steps ms: ${torch.ms.map((t) => t.toFixed(0)).join(', ')} (after 2 warm-up steps)`);
    console.log(`  median ${tmed.toFixed(0)} ms/step = ${(tmed / batch).toFixed(1)} ms/image; peak RSS ${mib(torch.maxRss)}`);
    console.log(`  wasm (${Math.ceil(batch / micro)} × ${micro}) / PyTorch (16): ${(med / tmed).toFixed(2)}×`);
  }
  console.log(`load average (1 min) ${load0.toFixed(2)} before, ${load1.toFixed(2)} after; ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  if (process.argv.includes('--only-accum')) {
    const choice = await selectBackend({ prefer: 'wasm' });
    console.log(`backend: ${choice.backend}; tfjs ${tf.version_core}; node ${process.version}`);
    await accumulationCase();
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
  if (!process.argv.includes('--skip-accum')) await accumulationCase();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
