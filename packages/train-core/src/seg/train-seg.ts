/**
 * `train seg`: reads and lints the data, trains DeepLabV3+ / U-Net / the fast net with the
 * Trainer (checkpoints, resume, EMA, cosine LR, micro-batches), exports the model folder
 * the seg kit loads, and checks the ONNX file against the trained model on the
 * validation images.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { ErrorCodes, InvalidArgumentError, makeDirs, ModelError, ModelkitError, resizeImage, type ProgressCallback } from '@modelkit/core';
import { selectBackend, type TrainBackend } from '../backend/select-backend';
import { loadWeightsInto } from '../classify/load-weights';
import { SeededRng } from '../data/seeded-rng';
import { MeanIou } from '../metrics/miou';
import { loadCheckpoint } from '../trainer/checkpoint';
import { isOutOfMemory, outOfMemoryError } from '../trainer/out-of-memory';
import { Trainer } from '../trainer/trainer';
import { buildSegLoss, buildSegModel, buildSegOptimizer } from './build-seg-model';
import { checkSegParity, exportSegModel, type SegParity } from './export-seg';
import { freshSegConfig, readSegConfig, writeSegConfig, type SegTrainConfig } from './seg-config';
import { decodeSegEntry, readSegSources, type SegEntry } from './seg-data';
import { SegDataset, segAugment } from './seg-dataset';
import { applyRemap, lintSegData, parseRemap, type SegLintFinding } from './seg-lint';
import { IGNORE_INDEX, type SegSample } from './seg-sample';
import { resizeMask } from './joint-transforms';

/** Options of {@link trainSeg}. */
export interface TrainSegOptions extends Partial<SegTrainConfig> {
  /** Data sources: folders with images/ + masks/, JSON lists, COCO JSON (concatenated). */
  data: string | string[];
  /** Validation sources instead of a `valSplit` of the training data. */
  val?: string | string[];
  /** Folder the paths inside JSON files are relative to (default: found, see `readSegSource`). */
  root?: string;
  /** Sources whose images must not be trained on (e.g. the evaluation set): matched by resolved image path. */
  exclude?: string | string[];
  /** Class names (background first); default from the data (COCO categories, `mask_values`) or `class0…`. */
  classNames?: string[];
  /** Output folder: config.json, last/, best/, train.log.jsonl, model.onnx, labels.json, model.card.json. */
  out: string;
  resume?: boolean;
  saveInterval?: number;
  /** Weights exported: `last` (default) or the `best` validation mIoU epoch (picked on the validation split, so optimistic). */
  export?: 'last' | 'best';
  backend?: TrainBackend;
  /** `fail` (default): refuse data with lint errors; `warn`: report them, skip unreadable files, resize mismatched masks, ignore out-of-range labels. */
  lint?: 'fail' | 'warn';
  /** Largest |mIoU(ONNX) − mIoU(tfjs)| accepted by the export check. Default 1e-4. */
  parityTolerance?: number;
  onProgress?: ProgressCallback;
  onMessage?: (line: string) => void;
}

/** What a run did. */
export interface SegTrainSummary {
  config: SegTrainConfig;
  classNames: string[];
  backend: string;
  trainImages: number;
  valImages: number;
  steps: number;
  epochs: number;
  resumedFromStep?: number;
  /** Training wall time (seconds), without data loading and export. */
  seconds: number;
  /** Data decoding and linting (seconds). */
  dataSeconds: number;
  /** Validation metrics of the exported weights at the training size (`miou`, `pixelAcc`, `iou_<class>`). */
  val?: Record<string, number>;
  exported: 'last' | 'best';
  /** The export check: on the validation images, or on up to 16 training images without a validation split. */
  parity: SegParity;
  lintWarnings: SegLintFinding[];
  files: { onnx: string; labels: string; card: string; log: string; checkpoints: string };
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Decodes entries into samples stretched to `size`² (image bilinear like the seg kit's
 * input resize, mask nearest), remapping labels; labels ≥ `numClasses` become ignore.
 * Entries that fail to decode are returned in `skipped` when `skipBad`, else thrown.
 */
export async function loadSegSamples(
  entries: SegEntry[],
  size: number,
  numClasses: number,
  options: { remap?: ReadonlyMap<number, number>; skipBad?: boolean } = {},
): Promise<{ samples: SegSample[]; skipped: string[] }> {
  const samples: SegSample[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    let decoded: Awaited<ReturnType<typeof decodeSegEntry>>;
    try {
      decoded = await decodeSegEntry(entry);
    } catch (err) {
      if (!options.skipBad) throw err;
      skipped.push(entry.image);
      continue;
    }
    const { image, mask } = decoded;
    if ((image.width !== mask.width || image.height !== mask.height) && !options.skipBad) {
      throw new InvalidArgumentError(`${entry.mask ?? entry.image}: mask is ${mask.width}x${mask.height}, image ${image.width}x${image.height}; run modelkit train seg lint --fix`);
    }
    const labels = applyRemap(mask.data, options.remap);
    for (let i = 0; i < labels.length; i++) if (labels[i] >= numClasses && labels[i] !== IGNORE_INDEX) labels[i] = IGNORE_INDEX;
    const small = await resizeImage(image, size, size);
    const m = resizeMask(labels, mask.width, mask.height, size, size);
    samples.push({ image: Float32Array.from(small.data), mask: m, width: size, height: size });
  }
  return { samples, skipped };
}

function say(options: TrainSegOptions, line: string): void {
  options.onMessage?.(line);
}

/** Trains, exports and checks a segmentation model; see {@link TrainSegOptions}. */
export async function trainSeg(options: TrainSegOptions): Promise<SegTrainSummary> {
  const out = options.out;
  const saved = options.resume ? await readSegConfig(out) : undefined;
  const config = saved ? { ...saved.config, epochs: options.epochs ?? saved.config.epochs } : freshSegConfig(options);
  const remap = config.remap ? parseRemap(config.remap) : undefined;
  const backend = await selectBackend({ prefer: options.backend });
  const t0 = performance.now();

  const trainSrc = await readSegSources(asList(options.data), { root: options.root });
  const valSrc = options.val ? await readSegSources(asList(options.val), { root: options.root }) : undefined;
  let entries = trainSrc.entries;
  const excludeFiles = asList(options.exclude);
  if (excludeFiles.length > 0) {
    const ex = await readSegSources(excludeFiles, { root: options.root });
    const drop = new Set(ex.entries.map((e) => resolve(e.image)));
    const before = entries.length;
    entries = entries.filter((e) => !drop.has(resolve(e.image)));
    say(options, `excluded ${before - entries.length} image(s) listed in ${excludeFiles.join(', ')}`);
  }
  if (entries.length === 0) throw new InvalidArgumentError(`no training images in ${asList(options.data).join(', ')}`);

  const classNames = saved?.classNames ?? options.classNames ?? trainSrc.classNames ?? valSrc?.classNames;
  const lint = await lintSegData(entries, { remap, classNames, numClasses: classNames?.length });
  const names = classNames ?? Array.from({ length: Math.max(2, lint.numClasses) }, (_, i) => `class${i}`);
  const numClasses = names.length;
  const errors = lint.findings.filter((f) => f.severity === 'error');
  for (const f of lint.findings) say(options, `lint ${f.severity}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`);
  if (errors.length > 0 && (options.lint ?? 'fail') === 'fail') {
    throw new ModelkitError(
      ErrorCodes.INVALID_ARGUMENT,
      `the data set has ${errors.length} problem(s): ${errors.map((f) => `${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}`).join('; ')}. See modelkit train seg lint, or pass --lint warn to train anyway`,
      { details: { findings: errors } },
    );
  }
  const skipBad = options.lint === 'warn';
  const loaded = await loadSegSamples(entries, config.size, numClasses, { remap, skipBad });
  let train = loaded.samples;
  let val: SegSample[] = [];
  if (valSrc) {
    val = (await loadSegSamples(valSrc.entries, config.size, numClasses, { remap, skipBad })).samples;
  } else if (config.valSplit > 0 && train.length >= 2) {
    const order = new SeededRng(config.seed + 7).permutation(train.length);
    const nVal = Math.max(1, Math.round(train.length * config.valSplit));
    const valIdx = new Set(order.slice(0, nVal));
    val = train.filter((_, i) => valIdx.has(i));
    train = train.filter((_, i) => !valIdx.has(i));
  }
  const dataSeconds = (performance.now() - t0) / 1000;
  say(options, `data: ${train.length} training and ${val.length} validation images at ${config.size}x${config.size}, ${numClasses} classes (${names.join(', ')}), ${dataSeconds.toFixed(1)} s`);

  await makeDirs(out);
  if (!saved) await writeSegConfig(out, config, names);
  const trainData = new SegDataset(train, config.size, numClasses, segAugment(config.augment, config.size));
  const valData = val.length > 0 ? new SegDataset(val, config.size, numClasses) : undefined;
  const model = await buildSegModel(config, numClasses);
  const stepsPerEpoch = Math.ceil(train.length / config.batchSize);
  const trainer = new Trainer({
    model,
    optimizer: buildSegOptimizer(config, stepsPerEpoch),
    lossFn: buildSegLoss(config),
    metrics: [new MeanIou(numClasses, names)],
    checkpointDir: out,
    seed: config.seed,
    ema: config.ema,
    onProgress: options.onProgress,
  });
  try {
    const t1 = performance.now();
    let fit: Awaited<ReturnType<Trainer['fit']>>;
    try {
      fit = await trainer.fit(trainData, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        microBatchSize: config.microBatch !== undefined ? Math.min(config.microBatch, config.batchSize) : undefined,
        evalData: valData,
        bestMetric: valData ? 'miou' : undefined,
        bestMode: 'max',
        logInterval: Math.min(10, stepsPerEpoch),
        saveInterval: options.saveInterval,
        resume: options.resume,
      });
    } catch (err) {
      if (isOutOfMemory(err)) throw outOfMemoryError(err, { batchSize: config.batchSize, size: config.size, backend: backend.backend });
      throw err;
    }
    const seconds = (performance.now() - t1) / 1000;
    const exportWhich = valData && options.export === 'best' ? 'best' : 'last';
    if (exportWhich === 'best') {
      const best = await loadCheckpoint(join(out, 'best'));
      if (best) loadWeightsInto(model, best.ema ? best.ema.values.map((values, i) => ({ name: model.weights[i]!.name, shape: best.ema!.shapes[i]!, values })) : best.weights);
    } else if (trainer.ema && trainer.ema.updates > 0) {
      // The EMA weights are what evaluation used: export those.
      const avg = trainer.ema.weights();
      tf.tidy(() => model.weights.forEach((w, i) => w.write(tf.clone(avg[i]!))));
    }
    const description = `${config.model}${config.backbone === 'mobilenetv2' ? ' (MobileNetV2, ImageNet-initialised)' : ''} ${config.size}x${config.size}, ${numClasses} classes, trained by modelkit train seg on ${train.length} images`;
    const folder = await exportSegModel(model, out, { classNames: names, size: config.size, description });
    let valMetrics: Record<string, number> | undefined;
    // Without a validation split the check runs on (up to 16) training images, unaugmented.
    const checkData = valData ?? new SegDataset(train.slice(0, 16), config.size, numClasses);
    const parity = await checkSegParity(model, folder.onnx, checkData, { tolerance: options.parityTolerance });
    say(options, `export check on ${parity.images} ${valData ? 'validation' : 'training'} images: mIoU tfjs ${parity.tfjsMiou.toFixed(4)}, ONNX ${parity.onnxMiou.toFixed(4)}, max |logit diff| ${parity.maxAbsDiff.toExponential(2)}`);
    if (!parity.ok) {
      throw new ModelError(
        ErrorCodes.MODEL_INVALID,
        `the exported ${folder.onnx} disagrees with the trained model: mIoU ${parity.onnxMiou.toFixed(4)} vs ${parity.tfjsMiou.toFixed(4)} (max |logit diff| ${parity.maxAbsDiff}); please report it with the model's config.json`,
        { details: { parity } },
      );
    }
    if (valData) {
      const m = new MeanIou(numClasses, names);
      const loader = valData;
      for (let i = 0; i < loader.length; i++) {
        const ex = loader.get(i, new SeededRng(0));
        tf.tidy(() => {
          const pred = model.apply(tf.tensor4d(ex.input, [1, config.size, config.size, 3]), { training: false }) as tf.Tensor;
          m.update(tf.tensor3d(ex.target as Float32Array, [1, config.size, config.size]), pred);
        });
      }
      valMetrics = m.result();
    }
    return {
      config,
      classNames: names,
      backend: backend.backend,
      trainImages: train.length,
      valImages: val.length,
      steps: fit.steps,
      epochs: fit.epochs,
      resumedFromStep: fit.resumed ? fit.log.find((r) => r.type === 'resume')?.step : undefined,
      seconds,
      dataSeconds,
      val: valMetrics,
      exported: exportWhich,
      parity,
      lintWarnings: lint.findings.filter((f) => f.severity === 'warning'),
      files: { onnx: folder.onnx, labels: folder.labels, card: folder.card, log: join(out, 'train.log.jsonl'), checkpoints: out },
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
