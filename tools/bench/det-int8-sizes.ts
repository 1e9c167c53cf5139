/**
 * Which input size gives an int8 NanoDet the speed of the float model at 416? One process,
 * one onnxruntime thread, every model timed interleaved round by round (the order flips
 * each round), so load from other processes hits them alike:
 *
 *   npx modelkit compress quantize --kit det --calib ../shared/data/det/det_gt_coco_person.json --val ../shared/data --out int8/det
 *   npx tsx tools/bench/det-int8-sizes.ts --data ../shared/data [--int8 nanodet-g-416-int8]
 *       [--sizes 416,512,544,576,608,640] [--images 8] [--rounds 20] [--no-ap]
 *
 * The int8 model (calibrated at 416) runs at the other sizes through det's `inputSize`
 * rewrite of the graph's size constants. Times are model runs only (`session.run`) on the
 * det kit's own input tensors of the first `--images` images of det_gt_coco.json at each
 * size, every model on one image before the next image (see `timeInterleavedFeeds`). Then (unless `--no-ap`) COCO AP with
 * the eval preset at each size on det_gt_coco.json and det_gt_coco_person.json. Prints a
 * Markdown table with the CPU, load averages and run counts; prints `skipped` when the data
 * folder is absent.
 *
 * `--calib-check` answers a second question instead: does an int8 model need calibrating at
 * the size it runs at? For each size it calibrates every layer in int8 (mse ranges, no bias
 * correction: what compress chose for NanoDet) once at 416 — then rewritten to the size —
 * and once at the size itself, on the images of det/coco_val2017_single_person/images that
 * neither labelled file lists (disjoint from both), and prints both models' AP.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { InferenceSession, encodeOnnx, readOnnx, resolveModel } from '../../packages/core/src/index';
import type { OnnxModel, TensorData } from '../../packages/core/src/index';
import { FeedCapture, StaticQuantizer, median } from '../../packages/compress/src/index';
import { Detector, NANODET_G_416, PACKAGE_DIR, evaluate, kit } from '../../packages/det/src/index';
import { setSquareInputSize } from '../../packages/det/src/input-size';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    int8: { type: 'string', default: `${NANODET_G_416.id}-int8` },
    sizes: { type: 'string', default: '416,512,544,576,608,640' },
    images: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '20' },
    'no-ap': { type: 'boolean', default: false },
    'calib-check': { type: 'boolean', default: false },
  },
});
const DATA = resolve(values.data!);
const SIZES = values.sizes!.split(',').map(Number);
const IMAGES = Number(values.images);
const ROUNDS = Number(values.rounds);
const FP32_PATH = join(PACKAGE_DIR, 'models', 'nanodet-g-416.onnx');

interface Timed {
  name: string;
  model: string | OnnxModel;
  feeds: Record<string, TensorData>[];
}

/** The det kit's input tensors at `size` for `images` (the fp32 model's session is labelled with its path). */
async function captureFeeds(size: number, images: string[]): Promise<Record<string, TensorData>[]> {
  const capture = new FeedCapture(new Map([[FP32_PATH, 'fp32']]));
  const det = await kit.load({ inputSize: size, threads: 1 });
  try {
    capture.start();
    for (const image of images) await kit.run(det, image, {});
  } finally {
    capture.stop();
    await kit.dispose(det);
  }
  return capture.drain().map((r) => r.feeds);
}

/**
 * Per model: the median ms of one run and the median ratio to the first model's run on the
 * same image in the same pass. Interleaved per image (every model runs image j before any
 * runs image j + 1; the order rotates and reverses), so the ratio compares runs a fraction
 * of a second apart: on a shared machine load drifts over seconds, and per-pair ratios
 * cancel most of it where per-model medians do not.
 */
async function timeInterleavedFeeds(models: Timed[], rounds: number, warmup = 1): Promise<{ ms: number[]; ratio: number[] }> {
  const sessions: InferenceSession[] = [];
  try {
    for (const m of models) sessions.push(await InferenceSession.create(m.model, { threads: 1, interOpThreads: 1, spinning: false, name: m.name }));
    const n = Math.min(...models.map((m) => m.feeds.length));
    const times = models.map(() => [] as number[]);
    const ratios = models.map(() => [] as number[]);
    for (let r = 0; r < warmup + rounds; r++) {
      for (let j = 0; j < n; j++) {
        const shift = (r * n + j) % models.length;
        const order = models.map((_, i) => (i + shift) % models.length);
        if ((r + j) % 2 === 1) order.reverse();
        const t = new Array<number>(models.length);
        for (const i of order) {
          const t0 = performance.now();
          await sessions[i]!.run(models[i]!.feeds[j]!);
          t[i] = performance.now() - t0;
        }
        if (r < warmup) continue;
        t.forEach((v, i) => {
          times[i]!.push(v);
          ratios[i]!.push(v / t[0]!);
        });
      }
    }
    return { ms: times.map((v) => median(v)), ratio: ratios.map((v) => median(v)) };
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

async function ap(model: string, inputSize: number, gt: string): Promise<number> {
  const det = await Detector.create({ model, inputSize, preset: 'eval', session: { threads: 1 } });
  try {
    return (await evaluate(det, DATA, { gt: join(DATA, gt) })).metrics.AP;
  } finally {
    await det.dispose();
  }
}

/** An all-int8 NanoDet calibrated at `size` on `images` through the det kit's own preprocessing. */
async function calibrateAt(size: number, images: string[]): Promise<OnnxModel> {
  const model = await readOnnx(FP32_PATH);
  setSquareInputSize(model, 416, size, [8, 16, 32]);
  const q = await StaticQuantizer.create(model, { method: 'mse' });
  for (const feeds of await captureFeeds(size, images)) await q.add(feeds);
  await q.finish();
  return q.build({ biasCorrection: false });
}

/** AP on both labelled files of an int8 graph run at `size`: a model folder whose card says the graph's size (det then rewrites nothing). */
async function apOfGraph(model: OnnxModel, from: number, size: number, dir: string): Promise<string[]> {
  const folder = join(dir, `int8-${from}-${size}`);
  if (from !== size) setSquareInputSize(model, from, size, [8, 16, 32]);
  await mkdir(folder, { recursive: true });
  const bytes = encodeOnnx(model);
  await writeFile(join(folder, 'model.onnx'), bytes);
  const card = {
    ...NANODET_G_416,
    id: `nanodet-g-int8-${from}-at-${size}`,
    input: { ...(NANODET_G_416.input as Record<string, unknown>), width: size, height: size },
    files: [{ name: 'model.onnx', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, source: { type: 'bundled', path: 'model.onnx' } }],
  };
  await writeFile(join(folder, 'model.card.json'), JSON.stringify(card));
  return [await ap(folder, size, 'det/det_gt_coco.json'), await ap(folder, size, 'det/det_gt_coco_person.json')].map((v) => v.toFixed(3));
}

async function calibCheck(): Promise<void> {
  const dir = 'det/coco_val2017_single_person/images';
  const listed = new Set((JSON.parse(readFileSync(join(DATA, 'det', 'det_gt_coco_person.json'), 'utf8')) as { images: { file_name: string }[] }).images.map((i) => i.file_name));
  const calib = readdirSync(join(DATA, dir)).filter((f) => /\.jpe?g$/i.test(f) && !listed.has(`${dir}/${f}`)).sort().map((f) => join(DATA, dir, f));
  const tmp = await mkdtemp(join(tmpdir(), 'det-int8-sizes-'));
  const rows: string[][] = [];
  try {
    const at416 = await calibrateAt(416, calib);
    for (const s of SIZES) {
      const rewritten = await apOfGraph(structuredClone(at416), 416, s, tmp);
      const own = s === 416 ? rewritten : await apOfGraph(await calibrateAt(s, calib), s, s, tmp);
      rows.push([String(s), ...rewritten, ...own]);
      console.error(`${s}: done`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`int8 (every layer, mse, no bias correction) calibrated on ${calib.length} images of ${dir} that no labelled file lists\n`);
  console.log('| size | AP det_gt_coco, calibrated at 416 | AP person, calibrated at 416 | AP det_gt_coco, calibrated at size | AP person, calibrated at size |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

async function main(): Promise<void> {
  if (values['calib-check']) return calibCheck();
  const gtFile = join(DATA, 'det', 'det_gt_coco.json');
  if (!existsSync(gtFile)) {
    console.log(`skipped: no ${gtFile}`);
    return;
  }
  const gt = JSON.parse(readFileSync(gtFile, 'utf8')) as { images: { file_name: string }[] };
  const images = gt.images.slice(0, IMAGES).map((i) => join(DATA, i.file_name));
  const int8 = await resolveModel(values.int8!, { like: NANODET_G_416, what: '--int8' });
  const int8Path = int8.paths['model.onnx'] ?? Object.values(int8.paths)[0]!;
  const from = (int8.card.input as { width: number }).width;
  const feeds = new Map<number, Record<string, TensorData>[]>();
  for (const s of new Set([416, ...SIZES])) feeds.set(s, await captureFeeds(s, images));
  const models: Timed[] = [{ name: 'fp32 416', model: FP32_PATH, feeds: feeds.get(416)! }];
  for (const s of SIZES) {
    const m = await readOnnx(int8Path);
    setSquareInputSize(m, from, s, [8, 16, 32]);
    models.push({ name: `int8 ${s}`, model: m, feeds: feeds.get(s)! });
  }
  const load0 = loadavg();
  const { ms, ratio } = await timeInterleavedFeeds(models, ROUNDS);
  const load1 = loadavg();
  const rows: string[][] = [];
  for (const [i, m] of models.entries()) {
    const size = i === 0 ? 416 : SIZES[i - 1]!;
    const model = i === 0 ? NANODET_G_416.id : values.int8!;
    const aps = values['no-ap'] ? ['-', '-'] : [await ap(model, size, 'det/det_gt_coco.json'), await ap(model, size, 'det/det_gt_coco_person.json')].map((v) => v.toFixed(3));
    rows.push([m.name, ms[i]!.toFixed(1), ratio[i]!.toFixed(2), ...aps]);
    console.error(`${m.name}: done`);
  }
  let cpu = '';
  try {
    cpu = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? '';
  } catch {
    /* no lscpu */
  }
  console.log(`${cpu}, load ${load0.map((l) => l.toFixed(2)).join(' ')} before timing, ${load1.map((l) => l.toFixed(2)).join(' ')} after; 1 onnxruntime thread; ` +
    `${ROUNDS} rounds over the first ${images.length} images of det_gt_coco.json, every model on each image in turn; int8 = ${values.int8}\n`);
  console.log('| model | ms per model run (median) | × fp32 416 (median of per-image ratios) | AP det_gt_coco (33 images) | AP det_gt_coco_person (99 images) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

void main();
