/**
 * Conv2DBackpropFilter on the wasm backend: train-core's kernel (transposed im2col built
 * once by a JS loop + one XNNPACK matmul) against the kernel it replaced (pad + transpose
 * the input, then one StridedSlice copy and one matmul per filter tap), interleaved in
 * one process so machine load hits both alike.
 *
 *   npx tsx tools/bench/conv-filter-grad.ts [--rounds 7] [--reps 3]      kernel alone
 *   npx tsx tools/bench/conv-filter-grad.ts --train-step [--rounds 3] [--steps 2]
 *
 * Kernel mode records every Conv2DBackpropFilter call of one training step of the two
 * example models (small CNN 16×64², MobileNetV2-like α0.35 16×96²), checks that both
 * kernels agree on each, then times each shape: per round, `reps` calls of old then new
 * (order alternating between rounds); prints median ms per call and old/new, and the
 * per-model sum over a step's calls. With --torch it also times PyTorch's
 * `torch.nn.grad.conv2d_weight` on the same shapes (1 thread; Debian python3-torch).
 *
 * Train-step mode times whole training steps (forward + backward + Adam) of both models,
 * alternating old and new kernel by round, and prints ms/step and old/new.
 *
 * Run from the repo root with tsx (a dev dependency of @modelkit/train-core).
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { mobileNetV2Like, selectBackend, smallCnn } from '../../packages/train-core/src';
import { conv2DBackpropFilterKernel } from '../../packages/train-core/src/backend/wasm-kernels/conv2d-backprop-filter';
import { convGeometry } from '../../packages/train-core/src/backend/wasm-kernels/conv-geometry';
import { asTensor, padOrCrop4d } from '../../packages/train-core/src/backend/wasm-kernels/tensor-info';
import { makeStep, median, printTable, type BenchModel } from './kernel-bench-harness';

/** The kernel before this change (commit 19d990b), kept here only as the baseline. */
const perTapKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return tf.tidy(() => {
      const xt = asTensor(x, backend) as tf.Tensor4D;
      const dyt = asTensor(dy, backend) as tf.Tensor4D;
      const { info, padBottom, padRight } = convGeometry(xt.shape, filterShape, strides, 1, pad, dimRoundingMode, false, dataFormat);
      const xp = tf.transpose(padOrCrop4d(xt, info.padInfo.top, padBottom, info.padInfo.left, padRight), [3, 0, 1, 2]);
      const m = info.batchSize * info.outHeight * info.outWidth;
      const dy2 = tf.reshape(dyt, [m, info.outChannels]);
      const [c, n] = xp.shape;
      const taps: tf.Tensor[] = [];
      for (let i = 0; i < info.filterHeight; i++) {
        for (let j = 0; j < info.filterWidth; j++) {
          const end = [c, n, i + (info.outHeight - 1) * info.strideHeight + 1, j + (info.outWidth - 1) * info.strideWidth + 1];
          const xs = tf.stridedSlice(xp, [0, 0, i, j], end, [1, 1, info.strideHeight, info.strideWidth]);
          taps.push(tf.matMul(tf.reshape(xs, [c, m]), dy2));
        }
      }
      return tf.reshape(tf.stack(taps), filterShape);
    });
  },
};

const KERNELS = { old: perTapKernel, new: conv2DBackpropFilterKernel } as const;
type Which = keyof typeof KERNELS;

function use(which: Which): void {
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel(KERNELS[which]);
}

type Model = BenchModel;
const BATCH = 16;
const MODELS: Model[] = [
  { name: 'small CNN 16×64×64×3', build: () => smallCnn({ numClasses: 10, seed: 7 }), size: 64, batch: BATCH },
  { name: 'MobileNetV2-like α0.35 16×96×96×3', build: () => mobileNetV2Like({ numClasses: 10, seed: 7 }), size: 96, batch: BATCH },
];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}


/** One training step (forward + backward + Adam). */

interface Call {
  x: number[];
  dy: number[];
  attrs: tf.Conv2DBackpropFilterAttrs;
}

/** The Conv2DBackpropFilter calls of one training step of `m`, recorded by a wrapper kernel. */
async function recordCalls(m: Model): Promise<Call[]> {
  const calls: Call[] = [];
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel({
    ...conv2DBackpropFilterKernel,
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      calls.push({ x: x.shape.slice(), dy: dy.shape.slice(), attrs: { ...(args.attrs as unknown as tf.Conv2DBackpropFilterAttrs) } });
      return conv2DBackpropFilterKernel.kernelFunc(args);
    },
  });
  const s = makeStep(m);
  await s.step();
  s.dispose();
  use('new');
  return calls;
}

const key = (c: Call): string => {
  const [fh, fw, ci, co] = c.attrs.filterShape;
  const st = Array.isArray(c.attrs.strides) ? c.attrs.strides[0] : c.attrs.strides;
  return `${c.x.join('×')} ${fh}×${fw} s${st} ${typeof c.attrs.pad === 'string' ? c.attrs.pad : 'explicit'} ${ci}→${co}`;
};

function runCall(c: Call, x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, c.attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** PyTorch's filter gradient on the same shapes, 1 thread: median ms per call by key. */
function torchTimes(calls: Call[], rounds: number, reps: number): Map<string, number> | undefined {
  const specs = calls.map((c) => ({
    key: key(c),
    x: c.x,
    filter: c.attrs.filterShape,
    stride: Array.isArray(c.attrs.strides) ? c.attrs.strides[0] : c.attrs.strides,
    pad: c.attrs.pad,
  }));
  // NCHW in torch; 'same' pads as TF does (extra row/column at the bottom/right) by
  // padding the input explicitly, so the work equals the tfjs call's.
  const py = `
import json, sys, time, torch, torch.nn.functional as F
torch.set_num_threads(1)
specs, rounds, reps = json.loads(sys.stdin.read()), ${rounds}, ${reps}
out = {}
for s in specs:
    n, h, w, ci = s['x']; fh, fw, _, co = s['filter']; st = s['stride']
    if s['pad'] == 'same':
        oh, ow = -(-h // st), -(-w // st)
        ph, pw = max((oh - 1) * st + fh - h, 0), max((ow - 1) * st + fw - w, 0)
        pads = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
    else:
        pads = (0, 0, 0, 0)
    x = F.pad(torch.rand(n, ci, h, w), pads)
    oh, ow = (x.shape[2] - fh) // st + 1, (x.shape[3] - fw) // st + 1
    dy = torch.rand(n, co, oh, ow)
    f = lambda: torch.nn.grad.conv2d_weight(x, (co, ci, fh, fw), dy, stride=st)
    f()
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps): f()
        ts.append((time.perf_counter() - t0) * 1000 / reps)
    ts.sort()
    out[s['key']] = ts[len(ts) // 2]
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify(specs), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.log(`(PyTorch skipped: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`);
    return undefined;
  }
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number>));
}

async function kernelMode(): Promise<void> {
  const rounds = arg('--rounds', 7);
  const reps = arg('--reps', 3);
  const perModel: { model: Model; calls: Call[] }[] = [];
  for (const m of MODELS) perModel.push({ model: m, calls: await recordCalls(m) });
  const unique = new Map<string, Call>();
  for (const { calls } of perModel) for (const c of calls) if (!unique.has(key(c))) unique.set(key(c), c);

  const times = new Map<string, { old: number; new: number; err: number }>();
  for (const [k, c] of unique) {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', 3);
    const dy = tf.randomUniform(c.dy, -1, 1, 'float32', 4);
    const results: Record<Which, Float32Array> = { old: new Float32Array(), new: new Float32Array() };
    for (const w of ['old', 'new'] as const) {
      use(w);
      const out = runCall(c, x, dy); // also the warm-up
      results[w] = out.dataSync() as Float32Array;
      out.dispose();
    }
    let diff = 0;
    let scale = 1e-12;
    results.old.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - results.new[i]));
      scale = Math.max(scale, Math.abs(v));
    });
    const samples: Record<Which, number[]> = { old: [], new: [] };
    for (let r = 0; r < rounds; r++) {
      const order: Which[] = r % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
      for (const w of order) {
        use(w);
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) {
          const out = runCall(c, x, dy);
          out.dataSync();
          out.dispose();
        }
        samples[w].push((performance.now() - t0) / reps);
      }
    }
    tf.dispose([x, dy]);
    times.set(k, { old: median(samples.old), new: median(samples.new), err: diff / scale });
  }
  use('new');
  const torch = process.argv.includes('--torch') ? torchTimes([...unique.values()], rounds, reps) : undefined;

  const head = ['x shape, filter, stride, pad, Cin→Cout', 'calls/step', 'old ms', 'new ms', 'old/new', ...(torch ? ['torch ms', 'new/torch'] : []), 'max rel diff'];
  const rows: string[][] = [];
  for (const { model, calls } of perModel) {
    const counts = new Map<string, number>();
    for (const c of calls) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
    let sumOld = 0;
    let sumNew = 0;
    let sumTorch = 0;
    rows.push([`**${model.name}**`, '', '', '', '', ...(torch ? ['', ''] : []), '']);
    for (const [k, n] of counts) {
      const t = times.get(k)!;
      sumOld += n * t.old;
      sumNew += n * t.new;
      const tt = torch?.get(k) ?? NaN;
      sumTorch += n * tt;
      rows.push([k, String(n), t.old.toFixed(2), t.new.toFixed(2), `${(t.old / t.new).toFixed(1)}×`, ...(torch ? [tt.toFixed(2), `${(t.new / tt).toFixed(1)}×`] : []), t.err.toExponential(1)]);
    }
    rows.push(['sum per step', String(calls.length), sumOld.toFixed(1), sumNew.toFixed(1), `${(sumOld / sumNew).toFixed(1)}×`, ...(torch ? [sumTorch.toFixed(1), `${(sumNew / sumTorch).toFixed(1)}×`] : []), '']);
  }
  printTable(head, rows);
  console.log(`(median of ${rounds} rounds × ${reps} calls, old/new interleaved; tfjs ${tf.version_core}, node ${process.version})`);
}

async function trainStepMode(): Promise<void> {
  const rounds = arg('--rounds', 3);
  const steps = arg('--steps', 2);
  const rows: string[][] = [];
  for (const m of MODELS) {
    const s = makeStep(m);
    for (const w of ['old', 'new'] as const) {
      use(w);
      await s.step(); // warm-up of each kernel's shapes
    }
    const samples: Record<Which, number[]> = { old: [], new: [] };
    for (let r = 0; r < rounds; r++) {
      const order: Which[] = r % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
      for (const w of order) {
        use(w);
        const t0 = performance.now();
        for (let i = 0; i < steps; i++) await s.step();
        samples[w].push((performance.now() - t0) / steps);
      }
    }
    s.dispose();
    const o = median(samples.old);
    const n = median(samples.new);
    rows.push([m.name, o.toFixed(0), n.toFixed(0), `${(o / n).toFixed(2)}×`, samples.old.map((v) => v.toFixed(0)).join(' '), samples.new.map((v) => v.toFixed(0)).join(' ')]);
    console.log(`done: ${m.name}`);
  }
  use('new');
  printTable(['model', 'old ms/step', 'new ms/step', 'old/new', 'old rounds', 'new rounds'], rows);
  console.log(`(median of ${rounds} rounds × ${steps} steps, old/new interleaved, after one warm-up step each; tfjs ${tf.version_core}, node ${process.version})`);
}


const USAGE = `usage: npx tsx tools/bench/conv-filter-grad.ts [--rounds 7] [--reps 3] [--torch]
       npx tsx tools/bench/conv-filter-grad.ts --train-step [--rounds 3] [--steps 2]`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const choice = await selectBackend({ prefer: 'wasm' });
  if (choice.backend !== 'wasm') throw new Error(`needs the wasm backend, got ${choice.backend}`);
  console.log(`backend: wasm; tfjs ${tf.version_core}; node ${process.version}`);
  await (process.argv.includes('--train-step') ? trainStepMode() : kernelMode());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
