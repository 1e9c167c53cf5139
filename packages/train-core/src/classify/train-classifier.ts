import { existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCodes, ImageError, InvalidArgumentError, makeDirs, ModelkitError, type ProgressCallback } from '@modelkit/core';
import { selectBackend, type TrainBackend } from '../backend/select-backend';
import { crossEntropy } from '../losses/cross-entropy';
import { distillationLoss } from '../losses/distillation';
import { Accuracy } from '../metrics/accuracy';
import { loadCheckpoint } from '../trainer/checkpoint';
import { isOutOfMemory, outOfMemoryError } from '../trainer/out-of-memory';
import { Trainer, type FitResult } from '../trainer/trainer';
import {
  distillConfig,
  freshConfig,
  readClassifyConfig,
  readSavedClassNames,
  resumedConfig,
  writeClassifyConfig,
  type ClassifyConfig,
  type PartialClassifyConfig,
} from './classify-config';
import { buildClassifierAugment, buildClassifierModel, buildClassifierOptimizer } from './build-classifier';
import { loadClassifyData, type SkippedImage } from './classify-data';
import { exportClassifier, type ExportedClassifier } from './export-classifier';
import { loadWeightsInto } from './load-weights';
import { matchTeacherClasses, resolveTeacher, Teacher, type ResolvedTeacher } from './teacher';
import { hardTargetMetric, TeacherDataset } from './teacher-dataset';
import { buildTransferExportModel, loadBestTransferWeights, trainTransferClassifier, type TransferPhase } from './train-transfer';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link trainClassifier}: the run's settings plus where data and output live. */
export interface TrainClassifierOptions extends PartialClassifyConfig {
  /** Folder of class subfolders, or with `train/` and `val/` folders of class subfolders. */
  data: string;
  /** Output folder: `config.json`, `last/`, `best/`, `train.log.jsonl`, `model.onnx`, `labels.json`, `model.card.json`. */
  out: string;
  /** Steps between mid-epoch `last/` checkpoints (default: at epoch ends only). */
  saveInterval?: number;
  /**
   * Which weights become `model.onnx` (default `last`): `best` is the epoch that scored
   * highest on the validation split — selected on it, so its validation accuracy is optimistic.
   */
  export?: 'last' | 'best';
  /**
   * Continue the run in `out` from its `last/` checkpoint (same step, optimizer state, RNG);
   * the saved settings apply, only `epochs` may grow. Starts fresh when `out` holds no run.
   */
  resume?: boolean;
  /** Force a tfjs backend; default: the fastest that loads (`selectBackend`). */
  backend?: TrainBackend;
  /** onnxruntime threads of the frozen-backbone feature pass (with `pretrained`) or of the teacher. Default 1. */
  threads?: number;
  /**
   * Knowledge distillation: an ONNX classifier that teaches the student — a `model.onnx` of
   * `train classify` (labels.json next to it), its run folder, or a registry id. It runs in
   * onnxruntime on every (augmented) training image at its own input size; its classes must
   * be the data's. `config.json` records its path and sha256; on `resume` it may be left out
   * (the saved one is reloaded) and any other teacher is refused. Not with `pretrained`.
   */
  teacher?: string;
  /** Softmax temperature T of the teacher's soft targets (default 4). Needs `teacher`. */
  distillTemperature?: number;
  /** Weight of the distillation term, the labels' cross-entropy getting `1 − alpha` (default 0.7). Needs `teacher`. */
  distillAlpha?: number;
  /** Training progress (task `train`, unit `steps`). */
  onProgress?: ProgressCallback;
  /** One-line notes for the user (backend, skipped images, resume), e.g. to stderr. */
  onMessage?: (line: string) => void;
}

/** What {@link trainClassifier} did, JSON-serialisable (`--json` prints it). */
export interface ClassifySummary {
  backend: TrainBackend;
  data: string;
  out: string;
  split: 'folders' | 'holdout';
  classNames: string[];
  trainImages: number;
  valImages: number;
  skipped: SkippedImage[];
  config: ClassifyConfig;
  /** Optimizer steps in total; `resumedFromStep` when the run continued a checkpoint. */
  steps: number;
  resumedFromStep?: number;
  epochs: number;
  stopReason: string;
  /** Mean training loss of the last logged interval (NaN when no step ran in this call). */
  trainLoss: number;
  /** Which weights were exported. */
  exported: 'last' | 'best';
  /** Validation accuracy of the exported weights; absent without validation data. With `best` it was also used to pick them. */
  valAccuracy?: number;
  /** Validation accuracy after the last epoch. */
  lastValAccuracy?: number;
  /** The epoch that scored highest on the validation split (1-based), its step and accuracy: selected on that split, so optimistic. */
  bestEpoch?: number;
  bestStep?: number;
  bestValAccuracy?: number;
  seconds: number;
  /** With a pretrained backbone: seconds computing the frozen features, and each phase. */
  transfer?: { featureSeconds: number; phases: TransferPhase[] };
  /**
   * With a teacher: its ONNX file and sha256, the input size it ran at, how many images it
   * ran on in this call (fewer than steps × batch when its outputs were cached: `augment` none)
   * and the seconds inside onnxruntime.
   */
  distill?: { teacher: string; path: string; sha256: string; temperature: number; alpha: number; teacherSize: [number, number]; teacherImages: number; teacherSeconds: number; cached: boolean };
  files: { onnx: string; labels: string; card: string; log: string; config: string; checkpoints: string };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * PaddleHub's image-classification fine-tune flow as one call: reads a class-folder
 * dataset, trains a `small-cnn` or `mobilenet-v2` from scratch with the Trainer
 * (cosine schedule, augmentation, `last/` + `best/` checkpoints by validation accuracy,
 * JSONL log), and exports the last (or, on request, the best) weights to ONNX with labels
 * and a model card.
 *
 * @throws ImageError `E_FILE_NOT_FOUND` when `data` is not a folder; ModelkitError
 *   `E_OUT_OF_MEMORY` naming the knobs when a step does not fit; InvalidArgumentError when `out` already holds a run and `resume` is not set, or
 *   a resume's settings or classes differ from the saved run; see `loadClassifyData` for
 *   data errors.
 */
export async function trainClassifier(options: TrainClassifierOptions): Promise<ClassifySummary> {
  const t0 = performance.now();
  const say = options.onMessage ?? (() => undefined);
  const out = resolve(options.out);
  const data = resolve(options.data);
  const given: PartialClassifyConfig = {
    model: options.model, pretrained: options.pretrained, headEpochs: options.headEpochs, unfreeze: options.unfreeze,
    backboneLrScale: options.backboneLrScale, size: options.size, epochs: options.epochs, batchSize: options.batchSize, microBatch: options.microBatch, lr: options.lr,
    optimizer: options.optimizer, augment: options.augment, seed: options.seed, valSplit: options.valSplit,
  };

  // Before the backend loads, so a typo in --data fails at once with a plain message.
  if (!(await stat(data).then((st) => st.isDirectory(), () => false))) {
    throw new ImageError(ErrorCodes.FILE_NOT_FOUND, `--data ${data} is not a folder`, { details: { file: data } });
  }
  // The output folder too: a path that cannot be written fails now, not after data loading.
  await makeDirs(out);
  const saved = await readClassifyConfig(out);
  // A run exists once a checkpoint does: a run that failed before its first checkpoint
  // (out of memory in step 1, a bad flag) left only config.json and must not block a retry.
  // A transfer run checkpoints its head phase in head/ first.
  const hasCheckpoint = (await exists(join(out, 'last', 'manifest.json'))) || (await exists(join(out, 'head', 'last', 'manifest.json')));
  if (hasCheckpoint && !options.resume) {
    throw new InvalidArgumentError(`${out} already holds a training run; pass --resume to continue it or choose another --out`, { details: { out } });
  }
  const resuming = options.resume === true && saved !== undefined && hasCheckpoint;
  if (options.resume && !resuming) say(`nothing to resume in ${out}: starting a new run`);
  const config = resuming ? resumedConfig(saved, given) : freshConfig(given);
  const teacherFile = await teacherSettings(config, options, resuming ? { saved: saved.distill } : undefined);

  const choice = await selectBackend({ prefer: options.backend });
  say(`backend: ${choice.backend}${choice.skipped.length ? ` (skipped ${choice.skipped.join('; ')})` : ''}`);

  const ds = await loadClassifyData(data, {
    size: config.size,
    valSplit: config.valSplit,
    seed: config.seed,
    transform: buildClassifierAugment(config.augment),
    classNames: resuming ? await readSavedClassNames(out) : undefined,
    onSkip: (s) => say(`skipped ${s.file}: ${s.code}: ${s.message}`),
  });
  // Before anything is written: a teacher of other classes is a mistake in the command.
  if (teacherFile) matchTeacherClasses(teacherFile.labels, ds.classNames);
  say(
    `data: ${ds.classNames.length} classes (${ds.classNames.join(', ')}), ${ds.train.length} train / ${ds.val?.length ?? 0} val images` +
      ` (${ds.split === 'folders' ? 'train/ + val/ folders' : `seeded ${config.valSplit} holdout`})`,
  );

  await writeClassifyConfig(out, { config, data, classNames: ds.classNames });
  const resumeDir = resuming ? ((await exists(join(out, 'last', 'manifest.json'))) ? join(out, 'last') : join(out, 'head', 'last')) : undefined;
  const resumeFrom = resumeDir ? (await loadCheckpoint(resumeDir))?.step : undefined;
  if (resumeFrom !== undefined) say(`resuming from step ${resumeFrom} (${resumeDir})`);
  const exportWhich = options.export ?? 'last';
  const describe = (s: string): string => `${s} ${config.size}x${config.size} image classifier (${ds.classNames.join(', ')}) trained by modelkit train classify`;
  const summarize = (r: { fit: FitResult; best: boolean; exported: ExportedClassifier; transfer?: ClassifySummary['transfer'] }): ClassifySummary => ({
    backend: choice.backend,
    data,
    out,
    split: ds.split,
    classNames: ds.classNames,
    trainImages: ds.train.length,
    valImages: ds.val?.length ?? 0,
    skipped: ds.skipped,
    config,
    steps: r.fit.steps,
    resumedFromStep: resumeFrom,
    epochs: r.fit.epochs,
    stopReason: r.fit.stopReason,
    trainLoss: r.fit.trainLoss,
    exported: r.best ? 'best' : 'last',
    valAccuracy: r.best ? r.fit.best?.value : r.fit.lastEval?.acc,
    lastValAccuracy: r.fit.lastEval?.acc,
    bestEpoch: r.fit.best ? r.fit.best.epoch + 1 : undefined,
    bestStep: r.fit.best?.step,
    bestValAccuracy: r.fit.best?.value,
    seconds: (performance.now() - t0) / 1000,
    ...(r.transfer ? { transfer: r.transfer } : {}),
    files: {
      onnx: r.exported.onnx,
      labels: r.exported.labels,
      card: r.exported.card,
      log: join(out, 'train.log.jsonl'),
      config: join(out, 'config.json'),
      checkpoints: join(out, r.best ? 'best' : 'last'),
    },
  });
  const oom = (err: unknown): unknown => (isOutOfMemory(err) ? outOfMemoryError(err, { batchSize: config.batchSize, size: config.size, backend: choice.backend }) : err);

  if (config.pretrained !== 'none') {
    let run: Awaited<ReturnType<typeof trainTransferClassifier>>;
    try {
      run = await trainTransferClassifier({
        config, data: ds, out, resuming, saveInterval: options.saveInterval, threads: options.threads, onProgress: options.onProgress, say,
      });
    } catch (err) {
      throw oom(err);
    }
    let full: tfl.LayersModel | undefined;
    try {
      const { fit } = run;
      // As for scratch runs: the last weights unless the best epoch is asked for.
      const best = ds.val !== undefined && exportWhich === 'best' && (await loadBestTransferWeights(out, run.phaseModel));
      full = await buildTransferExportModel(config, ds.classNames.length, run.phaseModel);
      const exported = await exportClassifier(full, out, { classNames: ds.classNames, size: config.size, description: describe(`${config.pretrained} (pretrained)`) });
      return summarize({ fit, best, exported, transfer: { featureSeconds: run.featureSeconds, phases: run.phases } });
    } finally {
      full?.dispose();
      run.dispose();
    }
  }

  const distill = config.distill;
  const teacher = distill ? await Teacher.load(teacherFile!, ds.classNames, { session: options.threads ? { threads: options.threads } : undefined, fallbackSize: config.size }) : undefined;
  // A fixed image gets fixed teacher outputs: without augmentation they are computed once.
  const train = teacher ? new TeacherDataset(ds.train, teacher, { cache: config.augment === 'none' }) : undefined;
  if (teacher) {
    say(
      `teacher: ${distill!.path} (${teacher.height}x${teacher.width}, sha256 ${distill!.sha256.slice(0, 12)}…), T ${distill!.temperature}, alpha ${distill!.alpha}` +
        (train!.cached ? ', outputs cached (augment none)' : ', run on every augmented image'),
    );
  }
  const numClasses = ds.classNames.length;
  const model = buildClassifierModel(config, numClasses);
  const stepsPerEpoch = Math.ceil(ds.train.length / config.batchSize);
  const trainer = new Trainer({
    model,
    optimizer: buildClassifierOptimizer(config, stepsPerEpoch),
    // With a teacher: its KL term on training batches, plain CE on validation (no teacher there).
    lossFn: distill ? distillationLoss({ numClasses, temperature: distill.temperature, alpha: distill.alpha }) : crossEntropy(),
    metrics: [distill ? hardTargetMetric(new Accuracy(), numClasses) : new Accuracy()],
    checkpointDir: out,
    seed: config.seed,
    onProgress: options.onProgress,
  });
  try {
    let fit: Awaited<ReturnType<Trainer['fit']>>;
    try {
      fit = await trainer.fit(train ?? ds.train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        microBatchSize: config.microBatch !== undefined ? Math.min(config.microBatch, config.batchSize) : undefined,
        evalData: ds.val,
        bestMetric: ds.val ? 'acc' : undefined,
        bestMode: 'max',
        logInterval: Math.min(10, stepsPerEpoch),
        saveInterval: options.saveInterval,
        resume: resuming,
      });
    } catch (err) {
      throw oom(err);
    }
    // The last weights by default: the best epoch was chosen on the validation split, so its
    // accuracy there overstates how it does on new images (PaddleHub's best_model on request).
    const best = ds.val && exportWhich === 'best' ? await loadCheckpoint(join(out, 'best')) : undefined;
    if (best) loadWeightsInto(model, best.weights);
    const exported = await exportClassifier(model, out, {
      classNames: ds.classNames,
      size: config.size,
      description: describe(distill ? `${config.model} (distilled)` : config.model),
    });
    const summary = summarize({ fit, best: best !== undefined, exported });
    if (distill && teacher && train) {
      summary.distill = {
        ...distill,
        teacherSize: [teacher.height, teacher.width],
        teacherImages: train.teacherImages,
        teacherSeconds: teacher.seconds,
        cached: train.cached,
      };
    }
    return summary;
  } finally {
    trainer.dispose();
    model.dispose();
    await teacher?.release();
  }
}

/**
 * Resolves `--teacher` (or, on resume without it, the saved teacher) and sets `config.distill`.
 * Returns the teacher's file, or undefined when the run has no teacher.
 */
async function teacherSettings(
  config: ClassifyConfig,
  options: TrainClassifierOptions,
  resume: { saved: ClassifyConfig['distill'] } | undefined,
): Promise<ResolvedTeacher | undefined> {
  if (options.teacher !== undefined && config.pretrained !== 'none') {
    throw new ModelkitError(ErrorCodes.USAGE, `--teacher distils into a model trained from scratch (--model); it does not combine with --backbone ${config.pretrained}`);
  }
  const given = options.teacher !== undefined ? await resolveTeacher(options.teacher) : undefined;
  const saved = resume?.saved;
  // Resuming without --teacher: the saved file (or, if it moved, the source as first given).
  const reloaded = !given && saved ? await resolveTeacher(existsSync(saved.path) ? saved.path : saved.teacher) : undefined;
  const distill = distillConfig(
    { teacher: given, temperature: options.distillTemperature, alpha: options.distillAlpha },
    resume ? { saved, savedFileSha256: reloaded?.sha256 } : undefined,
  );
  if (distill) config.distill = distill;
  else delete config.distill;
  return given ?? reloaded;
}
