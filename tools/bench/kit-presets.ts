// Accuracy and speed of a kit's presets on a labelled set, one table from one command:
//   npx nx run-many -t build && npx tsx tools/bench/kit-presets.ts seg --data ../shared/data --gt seg/seg_gt_large.json
// Each preset is a set of create options; every preset loads the kit (found by discovery,
// as the CLI does), runs the kit's own `evaluate` on the whole set with one onnxruntime
// thread, and reports the kit's headline metric and its median ms per image (model runs
// only, image decoding excluded, as each kit's evaluator times it). Presets run one after
// another; on a shared machine run it twice and compare (load is printed).
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { findInstalledKit } from '@modelkit/core';

type Report = Record<string, unknown>;

interface KitPresets {
  presets: Record<string, Record<string, unknown>>;
  /** Headline metrics of a report, name → value. */
  metrics(report: Report): Record<string, number>;
  /** Median ms per image from a report. */
  ms(report: Report): number;
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
    // COCO mAP needs the low eval threshold (score > 0.05); the sizes and flip are the accuracy knobs.
    presets: {
      'size 416 (default)': { preset: 'eval' },
      'size 512': { preset: 'eval', inputSize: 512 },
      'size 608': { preset: 'eval', inputSize: 608 },
      'size 416 + flip': { preset: 'eval', flip: true },
      'size 512 + flip': { preset: 'eval', inputSize: 512, flip: true },
    },
    metrics: (r) => ({ AP: num(at(r, 'metrics', 'AP')), AP50: num(at(r, 'metrics', 'AP50')) }),
    ms: (r) => num(at(r, 'msPerImage', 'median')),
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

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !(name in KITS) || process.argv.includes('--help')) {
    console.log(`usage: tsx tools/bench/kit-presets.ts ${Object.keys(KITS).join('|')} --data DIR [--gt FILE] [--only PRESET[,PRESET...]]`);
    process.exitCode = name && !process.argv.includes('--help') ? 1 : 0;
    return;
  }
  const data = arg('--data') ?? '../shared/data';
  const gtArg = arg('--gt');
  const gt = gtArg === undefined ? undefined : resolve(data, gtArg);
  const only = arg('--only')?.split(',');
  const spec = KITS[name];
  const kit = findInstalledKit(name, 'kit-presets');
  const rows: string[][] = [];
  let header: string[] = [];
  for (const [preset, options] of Object.entries(spec.presets)) {
    if (only !== undefined && !only.includes(preset)) continue;
    const pipeline = await kit.load({ ...options, threads: 1 });
    try {
      const report = (await kit.evaluate(pipeline, data, gt === undefined ? {} : { gt })) as Report;
      const metrics = spec.metrics(report);
      header = ['preset', ...Object.keys(metrics), 'ms/image (median)'];
      rows.push([preset, ...Object.values(metrics).map((v) => v.toFixed(4)), spec.ms(report).toFixed(1)]);
      console.error(`${preset}: done (load ${loadavg()[0].toFixed(2)})`);
    } finally {
      await kit.dispose(pipeline);
    }
  }
  console.log(`${name} on ${gt ?? kit.evalFiles(data)[0]}, 1 onnxruntime thread, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

void main();
