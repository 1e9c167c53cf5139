/**
 * `train det`: reads COCO JSON or YOLO folders, splits off validation images, trains the
 * GFL detector through the Trainer (QFL + DFL + GIoU, AdamW, cosine LR with warm-up,
 * EMA, checkpoints, resume), reports COCO AP on the held-out images each epoch, warns when
 * it stays 0, and exports a det-kit model folder.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, writeFileAtomic, type ProgressCallback } from '@modelkit/core';
import { selectBackend, type TrainBackend } from '../backend/select-backend';
import { SeededRng } from '../data/seeded-rng';
import { AdamW } from '../optim/adamw';
import { cosineWarmup } from '../schedules/cosine-warmup';
import { Trainer, type FitResult } from '../trainer/trainer';
import { isOutOfMemory, outOfMemoryError } from '../trainer/out-of-memory';
import { DetApMetric } from './det-ap-metric';
import { DEFAULT_DET_AUGMENT, NO_DET_AUGMENT } from './det-augment';
import { detConfig, loadDetConfig, saveDetConfig, type DetConfig, type DetTrainPreset } from './det-config';
import { loadDetData, type DetSample } from './det-data';
import { DetDataset, loadDetImages, type LoadedDetImages } from './det-dataset';
import { exportDetector } from './export-detector';
import { gflLoss } from './gfl-loss';
import { buildGflDetector } from './gfl-model';

/** Options of {@link trainDetector}: the data, the output folder and any {@link DetConfig} field. */
export interface TrainDetectorOptions extends Partial<Omit<DetConfig, 'preset'>> {
  /** COCO instances JSON file or YOLO folder. */
  data: string;
  /** Folder COCO `file_name`s are relative to (default: found from the JSON's location). */
  images?: string;
  /** Output folder: checkpoints, train.log.jsonl, val.json, model.onnx, labels.json, model.card.json. */
  out: string;
  /** Settings preset (default `default`). */
  preset?: DetTrainPreset;
  /** Continue the run in `out` from its last checkpoint with its saved settings. */
  resume?: boolean;
  /** Checkpoint every this many steps within an epoch too. */
  saveInterval?: number;
  backend?: TrainBackend;
  /** Random-init backbone width (only with `pretrained: false`; tests). */
  alpha?: number;
  /** Head conv blocks (default 2). */
  headConvs?: number;
  onProgress?: ProgressCallback;
  /** One line per notable event (data warnings, the AP-stays-0 warning). */
  onMessage?: (line: string) => void;
}

/** What {@link trainDetector} did. */
export interface DetSummary {
  config: DetConfig;
  classNames: string[];
  backend: TrainBackend;
  trainImages: number;
  valImages: number;
  skipped: { image: string; reason: string }[];
  steps: number;
  epochs: number;
  seconds: number;
  resumedFromStep?: number;
  /** COCO AP@[.5:.95] and AP@.5 on the held-out images with the exported (EMA) weights. */
  valAp?: number;
  valAp50?: number;
  warnings: string[];
  files: { onnx: string; labels: string; card: string; log: string; checkpoints: string; valGt?: string };
  /** `modelkit det eval` command that scores the exported model on the held-out images. */
  evalCommand?: string;
}

/** A COCO ground-truth file of `samples` (image paths relative to `root`), for `det eval --gt`. */
function cocoGt(samples: readonly DetSample[], sizes: readonly { width: number; height: number }[], classNames: readonly string[], root: string): unknown {
  const images = samples.map((s, i) => ({ id: i + 1, file_name: relative(root, s.image), width: sizes[i].width, height: sizes[i].height }));
  const annotations = samples.flatMap((s, i) =>
    Array.from(s.classes, (c, j) => {
      const kx = s.normalized ? sizes[i].width : s.width ? sizes[i].width / s.width : 1;
      const ky = s.normalized ? sizes[i].height : s.height ? sizes[i].height / s.height : 1;
      const [x1, y1, x2, y2] = [s.boxes[j * 4] * kx, s.boxes[j * 4 + 1] * ky, s.boxes[j * 4 + 2] * kx, s.boxes[j * 4 + 3] * ky];
      return { image_id: i + 1, category_id: c + 1, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 };
    }),
  ).map((a, k) => ({ id: k + 1, ...a }));
  return { images, annotations, categories: classNames.map((name, i) => ({ id: i + 1, name })) };
}

/**
 * Trains a detector on `options.data` and exports it into `options.out`.
 *
 * @throws ModelkitError for unreadable or malformed data (see {@link loadDetData}), bad
 *   settings, or running out of memory (with the batch/micro-batch advice).
 */
export async function trainDetector(options: TrainDetectorOptions): Promise<DetSummary> {
  const t0 = performance.now();
  const say = options.onMessage ?? (() => {});
  const out = options.out;
  mkdirSync(out, { recursive: true });
  const saved = options.resume ? await loadDetConfig(out) : undefined;
  const { data: _d, out: _o, images: _i, preset, resume: _r, saveInterval, backend: _b, alpha, headConvs, onProgress: _p, onMessage: _m, ...overrides } = options;
  const config = saved
    ? { ...saved.config, epochs: options.epochs ?? saved.config.epochs, microBatch: options.microBatch ?? saved.config.microBatch }
    : detConfig(preset ?? 'default', overrides);
  const dataPath = saved?.data ?? options.data;
  if (!dataPath) throw new InvalidArgumentError('train det: --data is required');

  const data = await loadDetData(dataPath, { imageRoot: options.images });
  for (const w of data.warnings) say(`data: ${w}`);
  let trainSamples = data.samples;
  let valSamples = data.val ?? [];
  if (!data.val && config.valSplit > 0) {
    const order = new SeededRng(config.seed + 7).permutation(data.samples.length);
    const nVal = Math.max(1, Math.round(data.samples.length * config.valSplit));
    const valSet = new Set(order.slice(0, nVal));
    valSamples = data.samples.filter((_, i) => valSet.has(i));
    trainSamples = data.samples.filter((_, i) => !valSet.has(i));
  }
  const maxSide = Math.round(config.size * 1.5);
  const loaded = await loadDetImages(trainSamples, maxSide);
  const loadedVal: LoadedDetImages = valSamples.length ? await loadDetImages(valSamples, maxSide) : { images: [], indices: [], sizes: [], skipped: [] };
  const skipped = [...loaded.skipped, ...loadedVal.skipped];
  for (const s of skipped) say(`skipped unreadable image ${s.image}: ${s.reason}`);
  if (loaded.images.length === 0) throw new InvalidArgumentError(`train det: none of the ${trainSamples.length} training images could be read`);

  const choice = await selectBackend({ prefer: options.backend });
  say(`backend ${choice.backend}; ${loaded.images.length} training and ${loadedVal.images.length} validation images, classes ${data.classNames.join(', ')}`);
  const det = await buildGflDetector({
    inputSize: config.size,
    numClasses: data.classNames.length,
    regMax: config.regMax,
    neckChannels: config.neckChannels,
    headConvs,
    pretrained: config.pretrained,
    alpha,
    frozenBlocks: config.frozenBlocks,
    seed: config.seed + 1,
  });
  const augment = config.augment === 'none' ? NO_DET_AUGMENT : { ...DEFAULT_DET_AUGMENT, mosaic: config.mosaic };
  const train = new DetDataset(loaded.images, { size: config.size, strides: det.strides, augment });
  const val = loadedVal.images.length ? new DetDataset(loadedVal.images, { size: config.size, strides: det.strides }) : undefined;
  const numClasses = data.classNames.length;

  // Held-out ground truth in COCO form, so `det eval` scores the export on the same images.
  let valGt: string | undefined;
  if (loadedVal.images.length) {
    // Absolute: `det eval --gt` resolves a relative path against --data, not the working folder.
    valGt = resolve(out, 'val.json');
    const samples = loadedVal.indices.map((i) => valSamples[i]);
    await writeFileAtomic(valGt, `${JSON.stringify(cocoGt(samples, loadedVal.sizes, data.classNames, data.root))}\n`);
  }
  if (!saved) await saveDetConfig(out, config, dataPath);

  const stepsPerEpoch = Math.ceil(train.length / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const backboneVars = new Set(det.train.layers.filter((l) => det.backboneLayers.has(l.name)).flatMap((l) => l.trainableWeights.map((w) => (w.read() as tf.Variable).name)));
  const optimizer = new AdamW({
    learningRate: cosineWarmup({ baseLr: config.lr, totalSteps, warmupSteps: Math.min(config.warmupSteps, Math.floor(totalSteps / 3)), minLr: config.lr * 0.05 }),
    weightDecay: config.weightDecay,
    paramGroups: (v) => (backboneVars.has(v.name) ? { lrScale: config.backboneLrScale } : {}),
  });
  const warnings: string[] = [];
  let warned = false;
  let bestAp50 = 0;
  const userProgress = options.onProgress;
  const onProgress: ProgressCallback = (e) => {
    userProgress?.(e);
    const epoch = e.message?.endsWith(' eval') ? Number(/epoch (\d+)/.exec(e.message)?.[1]) : NaN;
    if (!Number.isFinite(epoch)) return;
    const ap50 = Number(e.values?.val_ap50 ?? 0);
    bestAp50 = Math.max(bestAp50, ap50);
    if (!warned && epoch >= config.apWarnEpochs && bestAp50 === 0) {
      warned = true;
      const line =
        `validation AP is still 0 after ${epoch} epochs. With few images try --preset small-data (frozen backbone, lower LR) and more --epochs; ` +
        'check the boxes (classes, x/y order, pixel vs normalised units) by drawing them; raise --size for small objects';
      warnings.push(line);
      say(`warning: ${line}`);
    }
  };
  const trainer = new Trainer({
    model: det.train,
    optimizer,
    lossFn: gflLoss({ grid: train.grid, numClasses, regMax: det.regMax, boxLoss: config.boxLoss }),
    metrics: val ? [new DetApMetric({ grid: train.grid, numClasses, regMax: det.regMax })] : [],
    checkpointDir: out,
    seed: config.seed,
    clipNorm: 35,
    ema: config.emaDecay > 0 ? { decay: config.emaDecay } : undefined,
    onProgress,
  });
  try {
    let fit: FitResult;
    try {
      fit = await trainer.fit(train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        microBatchSize: config.microBatch !== undefined ? Math.min(config.microBatch, config.batchSize) : undefined,
        evalData: val,
        bestMetric: val ? 'ap' : undefined,
        bestMode: 'max',
        logInterval: Math.min(10, stepsPerEpoch),
        saveInterval,
        resume: options.resume === true,
      });
    } catch (err) {
      throw isOutOfMemory(err) ? outOfMemoryError(err, { batchSize: config.microBatch ?? config.batchSize, size: config.size, backend: choice.backend }) : err;
    }
    // Export the EMA weights (what evaluation used); the training view shares every layer with the export view.
    if (trainer.ema && trainer.ema.updates > 0) {
      const avg = trainer.ema.weights();
      det.train.weights.forEach((w, i) => w.write(avg[i]));
    }
    const exported = await exportDetector(det, out, {
      classNames: data.classNames,
      description: `GFL detector (MobileNetV2${config.pretrained ? ' ImageNet' : ''} + PAN, ${config.size}x${config.size}, regMax ${config.regMax}) trained by modelkit train det on ${data.classNames.join(', ')}`,
    });
    const resumed = fit.log.find((r) => r.type === 'resume');
    return {
      config,
      classNames: data.classNames,
      backend: choice.backend,
      trainImages: loaded.images.length,
      valImages: loadedVal.images.length,
      skipped,
      steps: fit.steps,
      epochs: fit.epochs,
      seconds: (performance.now() - t0) / 1000,
      resumedFromStep: resumed?.step,
      valAp: fit.lastEval?.ap,
      valAp50: fit.lastEval?.ap50,
      warnings,
      files: { onnx: exported.onnx, labels: exported.labels, card: exported.card, log: join(out, 'train.log.jsonl'), checkpoints: out, valGt },
      evalCommand: valGt ? `npx modelkit det eval --data ${data.root} --gt ${valGt} --model ${out}` : undefined,
    };
  } finally {
    trainer.dispose();
    det.train.dispose();
  }
}
