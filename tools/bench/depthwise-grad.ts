/**
 * The depthwise-conv, conv-input and ReLU6 gradients of a MobileNetV2 training step on the
 * wasm backend: train-core's current kernels ("new") against the ones they replaced
 * ("old", kept below), interleaved in one process (order swapped each round) so the
 * shared machine's load hits both alike.
 *
 *   npx tsx tools/bench/depthwise-grad.ts --profile [--model like|v2] [--old] [--detail K1,K2]
 *   npx tsx tools/bench/depthwise-grad.ts [--model like|v2] [--rounds 7] [--reps 3]
 *   npx tsx tools/bench/depthwise-grad.ts --train-step [--model like|v2] [--rounds 5] [--steps 1]
 *
 * --profile: kernels of one step by total ms (tf.profile; nested kernels count twice).
 * Default: every recorded gradient call of one step, old vs new, median ms per call.
 * --train-step: whole steps (forward + backward + Adam), old vs new.
 * `like` is mobileNetV2Like (α0.35) at 16×96×96×3; `v2` the Keras-layout mobileNetV2
 * (α1) at 4×224×224×3. Old = the depthwise filter loop that walked x and dy once per
 * filter tap; dilation + padding of dy as reshape + PadV2 + Slice + PadV2 (depthwise and
 * Conv2DBackpropInput); tfjs' own Relu (step, cast, mul) and ClipByValue (greaterEqual,
 * lessEqual, logicalAnd, zerosLike, select) gradients — tfjs-layers'
 * `reLU({ maxValue: 6 })` is Relu then ClipByValue. Run from the repo root with tsx.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mobileNetV2, mobileNetV2Like, selectBackend } from '../../packages/train-core/src';
import { convGeometry } from '../../packages/train-core/src/backend/wasm-kernels/conv-geometry';
import { conv2DBackpropInputKernel } from '../../packages/train-core/src/backend/wasm-kernels/conv2d-backprop-input';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
} from '../../packages/train-core/src/backend/wasm-kernels/depthwise-backprop';
import { runOnHeap } from '../../packages/train-core/src/backend/wasm-kernels/js-kernel';
import { useFusedReluGradients } from '../../packages/train-core/src/backend/wasm-kernels/relu-grad';
import { asTensor, dilateSpatial, padOrCrop4d } from '../../packages/train-core/src/backend/wasm-kernels/tensor-info';
import { makeStep, median, printTable, type BenchModel } from './kernel-bench-harness';

/** The kernels before this change, kept here only as the baseline. */
const oldDepthwiseFilter: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const { info } = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true, 'NHWC');
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
    const mult = info.outChannels / c;
    const co = c * mult;
    return runOnHeap(backend, [x, dy], filterShape.slice(), ([xv, gv], dw) => {
      for (let i = 0; i < fh; i++) {
        for (let j = 0; j < fw; j++) {
          const wBase = (i * fw + j) * co;
          for (let b = 0; b < n; b++) {
            for (let yr = 0; yr < oh; yr++) {
              const r = yr * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
              if (r < 0 || r >= h) continue;
              for (let yc = 0; yc < ow; yc++) {
                const cc = yc * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
                if (cc < 0 || cc >= w) continue;
                const xBase = ((b * h + r) * w + cc) * c;
                const gBase = ((b * oh + yr) * ow + yc) * co;
                if (mult === 1) {
                  for (let ch = 0; ch < c; ch++) dw[wBase + ch] += xv![xBase + ch]! * gv![gBase + ch]!;
                } else {
                  for (let ch = 0; ch < c; ch++) {
                    const xval = xv![xBase + ch]!;
                    for (let m = 0; m < mult; m++) dw[wBase + ch * mult + m] += xval * gv![gBase + ch * mult + m]!;
                  }
                }
              }
            }
          }
        }
      }
    });
  },
};

const oldDepthwiseInput: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return tf.tidy(() => {
      const dyt = asTensor(dy, backend) as tf.Tensor4D;
      const ft = asTensor(filter, backend) as tf.Tensor4D;
      const { info } = convGeometry(inputShape, ft.shape, strides, dilations, pad, dimRoundingMode, true, 'NHWC');
      const [fh, fw, cin, mult] = ft.shape;
      const d = dilateSpatial(dyt, info.strideHeight, info.strideWidth);
      const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
      const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
      const bottom = info.inHeight + info.effectiveFilterHeight - 1 - d.shape[1] - top;
      const right = info.inWidth + info.effectiveFilterWidth - 1 - d.shape[2] - left;
      const dp = padOrCrop4d(d, top, bottom, left, right);
      const flipped = tf.reshape(tf.reverse(ft, [0, 1]), [fh, fw, cin * mult, 1]) as tf.Tensor4D;
      const full = tf.depthwiseConv2d(dp, flipped, 1, 'valid', 'NHWC', [info.dilationHeight, info.dilationWidth]);
      if (mult === 1) return full;
      const [n, h, w] = full.shape;
      return tf.sum(tf.reshape(full, [n, h, w, cin, mult]), 4);
    });
  },
};

const oldConvInput: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    return tf.tidy(() => {
      const dyt = asTensor(dy, backend) as tf.Tensor4D;
      const ft = asTensor(filter, backend) as tf.Tensor4D;
      const { info } = convGeometry(inputShape, ft.shape, strides, 1, pad, dimRoundingMode, false, dataFormat);
      const d = dilateSpatial(dyt, info.strideHeight, info.strideWidth);
      const top = info.filterHeight - 1 - info.padInfo.top;
      const left = info.filterWidth - 1 - info.padInfo.left;
      const bottom = info.inHeight + info.filterHeight - 1 - d.shape[1] - top;
      const right = info.inWidth + info.filterWidth - 1 - d.shape[2] - left;
      const dp = padOrCrop4d(d, top, bottom, left, right);
      const flipped = tf.transpose(tf.reverse(ft, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(dp, flipped, 1, 'valid');
    });
  },
};

const PAIRS: { old: tf.KernelConfig; new: tf.KernelConfig }[] = [
  { old: oldDepthwiseFilter, new: depthwiseBackpropFilterKernel },
  { old: oldDepthwiseInput, new: depthwiseBackpropInputKernel },
  { old: oldConvInput, new: conv2DBackpropInputKernel },
];
type Which = 'old' | 'new';

function use(which: Which): void {
  for (const p of PAIRS) {
    tf.unregisterKernel(p.new.kernelName, 'wasm');
    tf.registerKernel(p[which]);
  }
  useFusedReluGradients(which === 'new');
}

type Model = BenchModel;
const MODELS: Record<string, Model> = {
  like: { name: 'MobileNetV2-like α0.35 16×96×96×3', build: () => mobileNetV2Like({ numClasses: 10, seed: 7 }), size: 96, batch: 16 },
  v2: { name: 'MobileNetV2 α1 4×224×224×3', build: () => mobileNetV2({ numClasses: 10, seed: 7 }), size: 224, batch: 4 },
};

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}


async function profileMode(m: Model): Promise<void> {
  use(process.argv.includes('--old') ? 'old' : 'new');
  const s = makeStep(m);
  await s.step();
  const t0 = performance.now();
  const info = await tf.profile(() => s.step());
  const wall = performance.now() - t0;
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.n++;
    by.set(k.name, e);
  }
  const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
  let total = 0;
  for (const [, e] of rows) total += e.ms;
  console.log(`${m.name} (${process.argv.includes('--old') ? 'old' : 'new'} kernels): profiled step ${wall.toFixed(0)} ms wall, kernels ${total.toFixed(0)} ms, ${info.kernels.length} kernel calls`);
  for (const [name, e] of rows.slice(0, 25)) console.log(`${name.padEnd(40)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)} calls`);
  const detail = arg('--detail', '').split(',').filter(Boolean);
  for (const k of info.kernels) {
    if (detail.includes(k.name)) console.log(`  ${k.name} ${k.inputShapes.map((v) => JSON.stringify(v)).join(' ')} -> ${JSON.stringify(k.outputShapes)} ${Number(k.kernelTimeMs).toFixed(2)} ms`);
  }
  s.dispose();
}

interface Call {
  kernel: string;
  shapes: number[][];
  attrs: tf.NamedAttrMap;
}

/**
 * The gradient calls of one training step: the three replaced kernels (recorded by
 * wrappers) and, for the ReLU6 gradient, the input shape of every Relu (recorded by a
 * wrapper of the forward kernel; each is followed by a ClipByValue of the same shape).
 */
async function recordCalls(m: Model): Promise<Call[]> {
  const calls: Call[] = [];
  const relu = tf.getKernel(tf.Relu, 'wasm')!;
  const wrapped = [...PAIRS.map((p) => p.new), relu];
  for (const k of wrapped) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const names = Object.keys(args.inputs);
        calls.push({ kernel: k.kernelName, shapes: names.map((n) => args.inputs[n]!.shape.slice()), attrs: { ...args.attrs } });
        return k.kernelFunc(args);
      },
    });
  }
  const s = makeStep(m);
  await s.step();
  s.dispose();
  for (const k of wrapped) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  return calls;
}

const callKey = (c: Call): string => {
  if (c.kernel === tf.Relu) return `ReLU6 grad ${c.shapes[0]!.join('×')}`;
  const st = c.attrs.strides as number | number[];
  const s = Array.isArray(st) ? st[0] : st;
  const kind = c.kernel === tf.DepthwiseConv2dNativeBackpropFilter ? 'dw filter' : c.kernel === tf.DepthwiseConv2dNativeBackpropInput ? 'dw input' : 'conv input';
  const shape = c.kernel === tf.DepthwiseConv2dNativeBackpropFilter ? c.shapes[0]! : (c.attrs.inputShape as number[]);
  const f = c.kernel === tf.DepthwiseConv2dNativeBackpropFilter ? (c.attrs.filterShape as number[]) : c.shapes[1]!;
  return `${kind} ${shape.join('×')} ${f[0]}×${f[1]} s${s}${kind === 'conv input' ? ` ${f[2]}→${f[3]}` : ''}`;
};

/** Runs one recorded call under the current registration; for ReLU6, its two gradients. */
function runCall(c: Call, t: tf.Tensor[]): tf.Tensor {
  if (c.kernel !== tf.Relu) return tf.engine().runKernel(c.kernel, inputsOf(c, t), c.attrs) as tf.Tensor;
  return tf.tidy(() => {
    const [x, dy] = t as [tf.Tensor, tf.Tensor];
    const clipGrad = tf.getGradient(tf.ClipByValue)!.gradFunc(dy, [x], { clipValueMin: 0, clipValueMax: 6 }) as { x: () => tf.Tensor };
    const reluGrad = tf.getGradient(tf.Relu)!.gradFunc(clipGrad.x(), [x], {}) as { x: () => tf.Tensor };
    return reluGrad.x();
  });
}

function inputsOf(c: Call, t: tf.Tensor[]): tf.NamedTensorMap {
  if (c.kernel === tf.DepthwiseConv2dNativeBackpropFilter) return { x: t[0]!, dy: t[1]! };
  return { dy: t[0]!, filter: t[1]! };
}

async function kernelMode(m: Model): Promise<void> {
  const rounds = Number(arg('--rounds', '7'));
  const reps = Number(arg('--reps', '3'));
  use('new');
  const calls = await recordCalls(m);
  const unique = new Map<string, { call: Call; count: number }>();
  for (const c of calls) {
    const k = callKey(c);
    const e = unique.get(k);
    if (e) e.count++;
    else unique.set(k, { call: c, count: 1 });
  }
  const rows: string[][] = [];
  const sums: Record<string, { old: number; new: number; n: number }> = {};
  for (const [k, { call: c, count }] of unique) {
    const shapes = c.kernel === tf.Relu ? [c.shapes[0]!, c.shapes[0]!] : c.shapes;
    // x spans the ReLU6 boundaries for the ReLU6 case: uniform in [-2, 8].
    const t = shapes.map((s, i) => (c.kernel === tf.Relu && i === 0 ? tf.randomUniform(s, -2, 8, 'float32', 3) : tf.randomUniform(s, -1, 1, 'float32', 3 + i)));
    const res: Partial<Record<Which, Float32Array>> = {};
    for (const w of ['old', 'new'] as const) {
      use(w);
      const out = runCall(c, t);
      res[w] = out.dataSync() as Float32Array;
      out.dispose();
    }
    let diff = 0;
    let scale = 1e-12;
    res.old!.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - res.new![i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    const samples: Record<Which, number[]> = { old: [], new: [] };
    for (let r = 0; r < rounds; r++) {
      for (const w of (r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) as Which[]) {
        use(w);
        const t0 = performance.now();
        // wasm kernels run synchronously; no dataSync (copying a large dx out of the
        // heap would cost as much as the gradient).
        for (let i = 0; i < reps; i++) runCall(c, t).dispose();
        samples[w].push((performance.now() - t0) / reps);
      }
    }
    tf.dispose(t);
    const o = median(samples.old);
    const n = median(samples.new);
    const group = k.split(' ').slice(0, 2).join(' ');
    const g = (sums[group] ??= { old: 0, new: 0, n: 0 });
    g.old += count * o;
    g.new += count * n;
    g.n += count;
    rows.push([k, String(count), o.toFixed(2), n.toFixed(2), `${(o / n).toFixed(1)}×`, (diff / scale).toExponential(1)]);
  }
  use('new');
  let to = 0;
  let tn = 0;
  for (const [g, v] of Object.entries(sums)) {
    rows.push([`**${g}, sum per step**`, String(v.n), v.old.toFixed(1), v.new.toFixed(1), `${(v.old / v.new).toFixed(1)}×`, '']);
    to += v.old;
    tn += v.new;
  }
  rows.push(['**all, sum per step**', '', to.toFixed(1), tn.toFixed(1), `${(to / tn).toFixed(1)}×`, '']);
  console.log(m.name);
  printTable(['gradient call', 'calls/step', 'old ms', 'new ms', 'old/new', 'max rel diff'], rows);
  console.log(`(median of ${rounds} rounds × ${reps} calls, old/new interleaved, no read-back; tfjs ${tf.version_core}, node ${process.version})`);
}

async function trainStepMode(m: Model): Promise<void> {
  const rounds = Number(arg('--rounds', '5'));
  const steps = Number(arg('--steps', '1'));
  const s = makeStep(m);
  for (const w of ['old', 'new'] as const) {
    use(w);
    await s.step(); // warm-up of each path's shapes
  }
  const samples: Record<Which, number[]> = { old: [], new: [] };
  for (let r = 0; r < rounds; r++) {
    for (const w of (r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) as Which[]) {
      use(w);
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await s.step();
      samples[w].push((performance.now() - t0) / steps);
    }
  }
  s.dispose();
  use('new');
  const o = median(samples.old);
  const n = median(samples.new);
  printTable(
    ['model', 'old ms/step', 'new ms/step', 'old/new', 'old rounds', 'new rounds'],
    [[m.name, o.toFixed(0), n.toFixed(0), `${(o / n).toFixed(2)}×`, samples.old.map((v) => v.toFixed(0)).join(' '), samples.new.map((v) => v.toFixed(0)).join(' ')]],
  );
  console.log(`(median of ${rounds} rounds × ${steps} steps, old/new interleaved, after one warm-up step each; tfjs ${tf.version_core}, node ${process.version})`);
}


async function main(): Promise<void> {
  const choice = await selectBackend({ prefer: 'wasm' });
  if (choice.backend !== 'wasm') throw new Error(`needs the wasm backend, got ${choice.backend}`);
  const m = MODELS[arg('--model', 'like')];
  if (m === undefined) throw new Error(`--model like|v2, got ${arg('--model', '')}`);
  console.log(`backend: wasm; tfjs ${tf.version_core}; node ${process.version}`);
  if (process.argv.includes('--profile')) await profileMode(m);
  else if (process.argv.includes('--train-step')) await trainStepMode(m);
  else await kernelMode(m);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
