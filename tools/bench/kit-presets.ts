// Accuracy and speed of a kit's presets on a labelled set, one table from one command:
//   npx nx run-many -t build && npx tsx tools/bench/kit-presets.ts seg --data ../shared/data --gt seg/seg_gt_large.json
//   npx tsx tools/bench/kit-presets.ts det --data ../shared/data --gt det/det_gt_coco.json,det/det_gt_coco_person.json
// Each preset is a set of create options; every preset loads the kit (found by discovery,
// as the CLI does), runs the kit's own `evaluate` on the whole set (each `--gt` file in
// turn) with one onnxruntime thread, and reports the kit's headline metrics and its median
// ms per image (model runs only, image decoding excluded, as each kit's evaluator times it).
// Presets run one after another; on a shared machine run it twice and compare (load is
// printed). Kits with `interleaved` timing (det) instead time every preset in one process
// after the evaluations: all presets loaded together, images decoded once, every preset
// runs image j before any runs image j + 1 (order rotated), ms = median `run` (preprocess +
// model + postprocess), `×` = median of the per-image ratios to the first preset, so load
// from other processes hits every preset alike.
// A preset whose int8 model is not registered is skipped with the command that makes it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ErrorCodes, findInstalledKit, loadImage } from '@modelkit/core';
import type { KitDefinition, RgbImage } from '@modelkit/core';

type Report = Record<string, unknown>;

interface KitPresets {
  presets: Record<string, Record<string, unknown>>;
  /** Headline metrics of a report, name → value. */
  metrics(report: Report): Record<string, number>;
  /** Median ms per image from a report. */
  ms(report: Report): number;
  /** Time the presets interleaved in one process on the first `images` images of the (first) set, `rounds` rounds. */
  interleaved?: { images: number; rounds: number };
  /** The image paths of a labelled file (for interleaved timing). */
  images?(gtFile: string, dataDir: string): string[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const at = (r: Report, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);

const KITS: Record<string, KitPresets> = {
  seg: {
    presets: {
      selfie: { model: 'selfie' },
      meet: { model: 'meet' },
      'selfie --people': { model: 'selfie', people: true },
      'meet --people': { model: 'meet', people: true },
    },
    metrics: (r) => ({ 'person IoU': num(r.personIoU), mIoU: num(r.mIoU) }),
    ms: (r) => num(r.medianMs),
  },
  det: {
    // COCO mAP needs the low eval threshold (score > 0.05); the sizes, flip and the int8 model
    // (`modelkit compress quantize --kit det`, registered as nanodet-g-416-int8) are the knobs.
    // int8 640: the size whose int8 model run takes what the float one takes at 416
    // (tools/bench/det-int8-sizes.ts). The `--quality` rows are the kit's presets.
    presets: {
      'balanced (default): float 416': { preset: 'eval' },
      'float 512': { preset: 'eval', inputSize: 512 },
      'float 608': { preset: 'eval', inputSize: 608 },
      'float 416 + flip': { preset: 'eval', flip: true },
      'accurate: float 512 + flip': { preset: 'eval', quality: 'accurate' },
      'fast: int8 416': { preset: 'eval', quality: 'fast' },
      'int8 512': { preset: 'eval', modelSet: 'int8', inputSize: 512 },
      'int8 640': { preset: 'eval', modelSet: 'int8', inputSize: 640 },
      'int8 416 + flip': { preset: 'eval', modelSet: 'int8', flip: true },
      'accurate --model-set int8: int8 512 + flip': { preset: 'eval', quality: 'accurate', modelSet: 'int8' },
    },
    metrics: (r) => ({ AP: num(at(r, 'metrics', 'AP')), AP50: num(at(r, 'metrics', 'AP50')) }),
    ms: (r) => num(at(r, 'msPerImage', 'median')),
    interleaved: { images: 8, rounds: 10 },
    images: (gtFile, dataDir) => (JSON.parse(readFileSync(gtFile, 'utf8')) as { images: { file_name: string }[] }).images.map((i) => resolve(dataDir, i.file_name)),
  },
  ocr: {
    // ICDAR2015 photos are 1280x720: the default (longest side 960) shrinks them; `min`
    // limits keep small text larger. RapidOCR's det settings: min 736, box 0.5, unclip 1.6, dilation.
    presets: {
      'default (max 960)': {},
      'max 1280': { limitSideLen: 1280 },
      'min 736': { limitType: 'min', limitSideLen: 736 },
      'RapidOCR det': { limitType: 'min', limitSideLen: 736, boxThresh: 0.5, unclipRatio: 1.6, useDilation: true },
    },
    metrics: (r) => {
      const out: Record<string, number> = { 'det H': num(at(r, 'detection', 'hmean')), 'e2e H': num(at(r, 'endToEnd', 'hmean')) };
      for (const [set, v] of Object.entries((r.sets ?? {}) as Record<string, Report>)) {
        out[`${set} det H`] = num(at(v, 'detection', 'hmean'));
        out[`${set} e2e H`] = num(at(v, 'endToEnd', 'hmean'));
        out[`${set} ms`] = num(v.medianMs);
      }
      return out;
    },
    ms: (r) => num(at(r, 'timing', 'medianMs')),
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function cpuName(): string {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * Per pipeline: median ms of one `run` and the median ratio to the first pipeline's run on
 * the same image in the same pass. Every pipeline runs image j before any runs image j + 1
 * (order rotated and reversed from pass to pass), so a ratio compares runs a fraction of a
 * second apart: load from other processes drifts over seconds, and per-pair ratios cancel
 * most of it.
 */
async function timeInterleaved(kit: KitDefinition, pipelines: unknown[], images: RgbImage[], rounds: number, warmup = 1): Promise<{ ms: number[]; ratio: number[] }> {
  const times = pipelines.map(() => [] as number[]);
  const ratios = pipelines.map(() => [] as number[]);
  for (let r = 0; r < warmup + rounds; r++) {
    for (const [j, image] of images.entries()) {
      const shift = (r * images.length + j) % pipelines.length;
      const order = pipelines.map((_, i) => (i + shift) % pipelines.length);
      if ((r + j) % 2 === 1) order.reverse();
      const t = new Array<number>(pipelines.length);
      for (const i of order) {
        const t0 = performance.now();
        await kit.run(pipelines[i], image, {});
        t[i] = performance.now() - t0;
      }
      if (r < warmup) continue;
      t.forEach((v, i) => {
        times[i]!.push(v);
        ratios[i]!.push(v / t[0]!);
      });
    }
  }
  return { ms: times.map(median), ratio: ratios.map(median) };
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !(name in KITS) || process.argv.includes('--help')) {
    console.log(`usage: tsx tools/bench/kit-presets.ts ${Object.keys(KITS).join('|')} --data DIR [--gt FILE[,FILE...]] [--only PRESET[,PRESET...]] [--rounds N]`);
    process.exitCode = name && !process.argv.includes('--help') ? 1 : 0;
    return;
  }
  const data = arg('--data') ?? '../shared/data';
  const gts = arg('--gt')?.split(',').map((g) => resolve(data, g));
  const only = arg('--only')?.split(',');
  const spec = KITS[name];
  const kit = findInstalledKit(name, 'kit-presets');
  const sets = gts ?? [undefined];
  const setName = (gt: string | undefined): string => (sets.length > 1 && gt ? ` (${gt.replace(/^.*\//, '').replace(/\.json$/, '')})` : '');
  const rows: { preset: string; values: string[]; ms: number; ratio?: number }[] = [];
  const skipped: string[] = [];
  let header: string[] = [];
  for (const [preset, options] of Object.entries(spec.presets)) {
    if (only !== undefined && !only.includes(preset)) continue;
    let pipeline: unknown;
    try {
      pipeline = await kit.load({ ...options, threads: 1 });
    } catch (err) {
      if ((err as { code?: string }).code !== ErrorCodes.MODEL_NOT_FOUND) throw err;
      skipped.push(`${preset}: ${(err as Error).message}`);
      continue;
    }
    try {
      const values: string[] = [];
      const names: string[] = [];
      let ms = NaN;
      for (const gt of sets) {
        const report = (await kit.evaluate(pipeline, data, gt === undefined ? {} : { gt })) as Report;
        for (const [k, v] of Object.entries(spec.metrics(report))) {
          names.push(`${k}${setName(gt)}`);
          values.push(v.toFixed(4));
        }
        if (Number.isNaN(ms)) ms = spec.ms(report);
      }
      header = names;
      rows.push({ preset, values, ms });
      console.error(`${preset}: done (load ${loadavg()[0].toFixed(2)})`);
    } finally {
      await kit.dispose(pipeline);
    }
  }
  let timing = `ms = median ms/image of the evaluation run (presets one after another)`;
  if (spec.interleaved && spec.images && rows.length > 0) {
    const { images: n, rounds: defaultRounds } = spec.interleaved;
    const rounds = Number(arg('--rounds') ?? defaultRounds);
    const files = spec.images(sets[0] ?? kit.evalFiles(data)[0]!, data).slice(0, n);
    const images = await Promise.all(files.map((f) => loadImage(f)));
    const pipelines: unknown[] = [];
    try {
      for (const r of rows) pipelines.push(await kit.load({ ...spec.presets[r.preset], threads: 1 }));
      const load0 = loadavg();
      const { ms, ratio } = await timeInterleaved(kit, pipelines, images, rounds);
      rows.forEach((r, i) => Object.assign(r, { ms: ms[i]!, ratio: ratio[i]! }));
      timing =
        `ms = median \`run\` (images decoded beforehand; preprocess + model + postprocess), all presets in one process, ${rounds} rounds over the first ` +
        `${images.length} images of ${(sets[0] ?? kit.evalFiles(data)[0]!).replace(/^.*\//, '')}, every preset on each image in turn; × = median of per-image ratios ` +
        `to the first preset; load ${load0.map((l) => l.toFixed(2)).join(' ')} before timing`;
    } finally {
      await Promise.all(pipelines.map((p) => kit.dispose(p)));
    }
  }
  const interleaved = spec.interleaved !== undefined && rows.length > 0;
  console.log(`${name} on ${sets.map((g) => g ?? kit.evalFiles(data)[0]).join(', ')}; ${cpuName()}, 1 onnxruntime thread, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${timing}\n`);
  const cols = ['preset', ...header, interleaved ? 'ms/image' : 'ms/image (median)', ...(interleaved ? [`× ${rows[0]!.preset}`] : [])];
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${[r.preset, ...r.values, r.ms.toFixed(1), ...(interleaved ? [(r.ratio ?? NaN).toFixed(2)] : [])].join(' | ')} |`);
  for (const s of skipped) console.log(`\nskipped ${s}`);
}

void main();
