/**
 * int8 vs float for every model modelkit ships (NanoDet-g; PP-OCRv4 det, rec and the
 * mobile v2 cls; MediaPipe selfie and meet), on the shared evaluation data:
 *
 *   npx tsx tools/bench/compress/bench.ts [--data ../shared/data] [--out tmp/compress-bench]
 *       [--rounds 30] [--repeat 3] [--threads 2] [--only det,ocr,selfie,meet] [--skip-quantize]
 *
 * 1. Quantizes each kit with `quantizeKit` (what `modelkit compress quantize` runs), with
 *    calibration images disjoint from the reported evaluation images:
 *      det    calib det/det_gt_coco_person.json (COCO val2017)   budget + metric det/det_gt_coco.json
 *      ocr    calib ocr/ocr_gt.json (ICDAR2015 train, receipt)    budget + metric ocr/ocr_gt_large.json
 *      selfie calib seg/seg_gt_large.json (COCO val2017)         budget + metric seg/seg_gt.json
 *      meet   same as selfie
 *    Candidates are kept (`keepCandidates`), so a model the tool kept in fp32 (not faster,
 *    or over budget) still gets a row: its best candidate within the budget, or the full
 *    static int8 model when none was.
 * 2. Per model: fp32 vs int8 ms per run on the kit's own input tensors (captured from 8
 *    evaluation images), timed interleaved in this process with 1 onnxruntime thread,
 *    `--repeat` times; file sizes; the kit's metric with only that model in int8.
 * 3. OCR end to end: the fp32 pipeline and the int8 one (the models the tool chose) in
 *    this process, 1 thread each, alternating image by image over ocr_gt_large.json
 *    (images decoded once beforehand), `--repeat` passes.
 * Prints Markdown tables with the machine (lscpu model), load averages and run counts, and
 * writes everything to OUT/bench.json. Prints `skipped` when the data folder is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadImage } from '../../../packages/core/src/index';
import type { KitDefinition, RgbImage, TensorData } from '../../../packages/core/src/index';
import { FeedCapture, median, quantizeKit, timeInterleaved } from '../../../packages/compress/src/index';
import type { CompressReport, ModelReport } from '../../../packages/compress/src/index';
import { findKit } from '../../../packages/compress/src/kit/find-kit';
import { readMetric } from '../../../packages/compress/src/kit/kit-metrics';
import { writeEvalSubset } from '../../../packages/compress/src/data/eval-subset';
import { resolveImageSet } from '../../../packages/compress/src/data/images';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(__dirname, '../../../../shared/data') },
    out: { type: 'string', default: 'tmp/compress-bench' },
    rounds: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string', default: 'det,ocr,selfie,meet' },
    'skip-quantize': { type: 'boolean', default: false },
  },
});
const DATA = resolve(values.data!);
const OUT = resolve(values.out!);
const ROUNDS = Number(values.rounds);
const REPEAT = Number(values.repeat);
const THREADS = Number(values.threads);

interface Case {
  name: string;
  kit: string;
  kitOptions: Record<string, unknown>;
  calib: string;
  val: string;
  /** Eval file the metric is reported on (paths relative to DATA). */
  evalFile: string;
  metrics: string[];
}

const CASES: Case[] = [
  { name: 'det', kit: 'det', kitOptions: {}, calib: 'det/det_gt_coco_person.json', val: 'det/det_gt_coco.json', evalFile: 'det/det_gt_coco.json', metrics: ['metrics.AP'] },
  { name: 'ocr', kit: 'ocr', kitOptions: {}, calib: 'ocr/ocr_gt.json', val: 'ocr/ocr_gt_large.json', evalFile: 'ocr/ocr_gt_large.json', metrics: ['detection.hmean', 'endToEnd.hmean'] },
  { name: 'selfie', kit: 'seg', kitOptions: { model: 'selfie' }, calib: 'seg/seg_gt_large.json', val: 'seg/seg_gt.json', evalFile: 'seg/seg_gt.json', metrics: ['personIoU'] },
  { name: 'meet', kit: 'seg', kitOptions: { model: 'meet' }, calib: 'seg/seg_gt_large.json', val: 'seg/seg_gt.json', evalFile: 'seg/seg_gt.json', metrics: ['personIoU'] },
];

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);
const f = (v: number | undefined, d = 4): string => (v === undefined ? '-' : v.toFixed(d));

/** The int8 model of a report's model: the chosen one, else the best candidate within the budget, else the full static int8. */
function int8Of(m: ModelReport): { folder: string; label: string } | undefined {
  if (m.chosen) return { folder: m.chosen.folder, label: `${m.chosen.id} (chosen: ${m.chosen.candidate})` };
  const within = m.candidates.filter((c) => c.passed && c.folder).sort((a, b) => (b.speedup ?? 0) - (a.speedup ?? 0))[0];
  const fallback = within ?? m.candidates.find((c) => c.name === 'static all' && c.folder);
  return fallback?.folder ? { folder: fallback.folder, label: `${fallback.name} (not chosen: ${within ? 'not faster' : 'over budget'})` } : undefined;
}

/** Evaluates `kit` on DATA's `evalFile` (through a data folder listing exactly that file) with `overrides` as create options. */
async function metricsOf(kit: KitDefinition, c: Case, overrides: Record<string, unknown>): Promise<Record<string, number>> {
  const set = resolveImageSet(join(DATA, c.evalFile));
  const dir = join(OUT, 'eval', c.name);
  await writeEvalSubset(set.evalFile!, set.dataDir!, new Set(set.images), dir, kit.evalFiles(dir)[0]!);
  const pipeline = await kit.load({ ...kit.evalCreateOptions, ...c.kitOptions, threads: THREADS, ...overrides });
  try {
    const report = await kit.evaluate(pipeline, dir, {});
    return Object.fromEntries(c.metrics.map((m) => [m, readMetric(report, m)]));
  } finally {
    await kit.dispose(pipeline);
  }
}

/** The tensors the kit feeds each model on the first `n` evaluation images (per model path). */
async function kitFeeds(kit: KitDefinition, c: Case, paths: string[], n: number): Promise<Map<string, Record<string, TensorData>[]>> {
  const images = resolveImageSet(join(DATA, c.evalFile)).images.slice(0, n);
  const capture = new FeedCapture(new Map(paths.map((p) => [p, p])));
  const pipeline = await kit.load({ ...c.kitOptions, threads: 1 });
  const out = new Map<string, Record<string, TensorData>[]>(paths.map((p) => [p, []]));
  try {
    for (const image of images) {
      capture.start();
      await kit.run(pipeline, image, {});
      capture.stop();
      for (const run of capture.drain()) if (out.get(run.model)!.length < 12) out.get(run.model)!.push(run.feeds);
    }
  } finally {
    await kit.dispose(pipeline);
  }
  return out;
}

interface ModelRow {
  case: string;
  option: string;
  fp32: string;
  int8: string;
  fp32Bytes: number;
  int8Bytes: number;
  fp32Ms: number[];
  int8Ms: number[];
  feeds: number;
  metricFp32: Record<string, number>;
  metricInt8: Record<string, number>;
}

async function ocrPipeline(kit: KitDefinition, report: CompressReport): Promise<Record<string, unknown> | undefined> {
  const chosen = report.models.filter((m) => m.chosen);
  if (chosen.length === 0) return undefined;
  const overrides = Object.fromEntries(chosen.map((m) => [m.option, m.chosen!.folder]));
  const images: RgbImage[] = [];
  for (const p of resolveImageSet(join(DATA, 'ocr/ocr_gt_large.json')).images) images.push(await loadImage(p));
  const fp32 = await kit.load({ threads: 1 });
  const int8 = await kit.load({ threads: 1, ...overrides });
  const passes: { fp32Ms: number; int8Ms: number; medianRatio: number }[] = [];
  try {
    for (let r = 0; r < REPEAT; r++) {
      let a = 0;
      let b = 0;
      const ratios: number[] = [];
      for (const [i, img] of images.entries()) {
        // Alternate which pipeline goes first, image by image.
        const order = i % 2 === 0 ? [fp32, int8] : [int8, fp32];
        const t: number[] = [];
        for (const p of order) {
          const t0 = performance.now();
          await kit.run(p, img, {});
          t.push(performance.now() - t0);
        }
        const [tf, ti] = i % 2 === 0 ? t : [t[1]!, t[0]!];
        a += tf!;
        b += ti!;
        ratios.push(tf! / ti!);
      }
      passes.push({ fp32Ms: a, int8Ms: b, medianRatio: median(ratios) });
      console.error(`ocr pipeline pass ${r + 1}: fp32 ${a.toFixed(0)} ms, int8 ${b.toFixed(0)} ms over ${images.length} images (load ${load()})`);
    }
  } finally {
    await kit.dispose(fp32);
    await kit.dispose(int8);
  }
  return { images: images.length, models: overrides, passes };
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.log(`skipped: no data folder at ${DATA}`);
    return;
  }
  process.env.MODELKIT_HOME ??= join(OUT, 'home');
  await mkdir(OUT, { recursive: true });
  const only = new Set(values.only!.split(','));
  const machine = { cpu: cpuModel(), loadBefore: load() };
  const rows: ModelRow[] = [];
  const reports: Record<string, CompressReport> = {};
  let pipeline: Record<string, unknown> | undefined;
  for (const c of CASES.filter((x) => only.has(x.name))) {
    const kit = findKit(c.kit);
    const out = join(OUT, c.name);
    let report: CompressReport;
    if (values['skip-quantize'] && existsSync(join(out, 'report.json'))) {
      report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CompressReport;
    } else {
      console.error(`== quantizing ${c.name} (load ${load()})`);
      ({ report } = await quantizeKit({
        kit,
        kitOptions: c.kitOptions,
        calib: join(DATA, c.calib),
        val: join(DATA, c.val),
        metrics: c.metrics,
        out,
        threads: THREADS,
        keepCandidates: true,
        onMessage: (line) => console.error(`${c.name}: ${line}`),
      }));
    }
    reports[c.name] = report;
    const fp32Metrics = await metricsOf(kit, c, {});
    const feeds = await kitFeeds(kit, c, report.models.map((m) => m.fp32.path), 8);
    for (const m of report.models) {
      const int8 = int8Of(m);
      if (!int8) continue;
      const int8Path = join(int8.folder, 'model.onnx');
      const f32 = feeds.get(m.fp32.path) ?? [];
      const fp32Ms: number[] = [];
      const int8Ms: number[] = [];
      for (let r = 0; r < REPEAT; r++) {
        const [a, b] = await timeInterleaved(
          [
            { name: 'fp32', source: m.fp32.path, session: { optimize: kit.sessionDefaults?.optimize } },
            { name: 'int8', source: int8Path },
          ],
          f32,
          { rounds: ROUNDS },
        );
        fp32Ms.push(a!.medianMs / f32.length);
        int8Ms.push(b!.medianMs / f32.length);
      }
      const metricInt8 = await metricsOf(kit, c, { [m.option]: int8.folder });
      rows.push({ case: c.name, option: m.option, fp32: m.fp32.id, int8: int8.label, fp32Bytes: m.fp32.bytes, int8Bytes: statSync(int8Path).size, fp32Ms, int8Ms, feeds: f32.length, metricFp32: fp32Metrics, metricInt8 });
      console.error(`${c.name} ${m.option}: ${fp32Ms.map((v) => v.toFixed(1)).join('/')} vs ${int8Ms.map((v) => v.toFixed(1)).join('/')} ms (load ${load()})`);
    }
    if (c.name === 'ocr') pipeline = await ocrPipeline(kit, report);
  }
  machine.loadBefore += `; after: ${load()}`;

  console.log(`machine: ${machine.cpu}, node ${process.version}; load averages (1/5/15 min) before and after: ${machine.loadBefore}`);
  console.log(`model timing: median of ${ROUNDS} interleaved rounds (fp32, int8 alternating), 1 onnxruntime thread, per run on the kit's own tensors from 8 evaluation images; ${REPEAT} repeats (a/b/c)\n`);
  console.log('| model | fp32 MB | int8 MB | smaller | fp32 ms | int8 ms | speed-up | metric | fp32 | int8 | int8 model |');
  console.log('|---|---:|---:|---:|---|---|---|---|---:|---:|---|');
  for (const r of rows) {
    const ratio = r.fp32Ms.map((v, i) => (v / r.int8Ms[i]!).toFixed(2)).join(' / ');
    for (const [k, v] of Object.entries(r.metricFp32)) {
      console.log(`| ${r.case} ${r.option} (${r.fp32}) | ${mb(r.fp32Bytes)} | ${mb(r.int8Bytes)} | ${(r.fp32Bytes / r.int8Bytes).toFixed(1)}x | ${r.fp32Ms.map((v) => v.toFixed(1)).join(' / ')} | ${r.int8Ms.map((v) => v.toFixed(1)).join(' / ')} | ${ratio} | ${k} | ${f(v)} | ${f(r.metricInt8[k])} | ${r.int8} |`);
    }
  }
  if (pipeline) {
    const passes = pipeline.passes as { fp32Ms: number; int8Ms: number; medianRatio: number }[];
    console.log(`\nOCR end to end on ocr_gt_large.json (${String(pipeline.images)} images, decoded beforehand; 1 thread; fp32 and int8 pipelines alternating per image), int8 models: ${JSON.stringify(pipeline.models)}`);
    console.log('| pass | fp32 total ms | int8 total ms | speed-up (totals) | median per-image speed-up |');
    console.log('|---|---:|---:|---:|---:|');
    passes.forEach((p, i) => console.log(`| ${i + 1} | ${p.fp32Ms.toFixed(0)} | ${p.int8Ms.toFixed(0)} | ${(p.fp32Ms / p.int8Ms).toFixed(2)}x | ${p.medianRatio.toFixed(2)}x |`));
    const ocr = reports.ocr!;
    console.log(`\nOCR metrics on ocr_gt_large.json, all chosen int8 models together: ${Object.entries(ocr.final?.metrics ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)} (fp32 ${ocr.baseline[k]!.toFixed(4)})`).join(', ')}`);
  }
  await writeFile(join(OUT, 'bench.json'), `${JSON.stringify({ machine, rounds: ROUNDS, repeat: REPEAT, rows, pipeline }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
