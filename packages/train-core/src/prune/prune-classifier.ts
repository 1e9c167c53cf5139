/**
 * Structured channel pruning of a `train classify` run, end to end: channel groups,
 * importance, per-group sensitivity, ratios for a FLOPs target, the pruned model,
 * fine-tuning with the run's own data loading and optimizer, ONNX export.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCodes, InvalidArgumentError, makeDirs, ModelkitError, writeFileAtomic, type ProgressCallback } from '@modelkit/core';
import { selectBackend, type TrainBackend } from '../backend/select-backend';
import { buildClassifierAugment, buildClassifierOptimizer } from '../classify/build-classifier';
import type { ClassifyConfig } from '../classify/classify-config';
import { loadClassifyData } from '../classify/classify-data';
import { exportClassifier } from '../classify/export-classifier';
import type { MemoryImageDataset } from '../classify/memory-image-dataset';
import { loadTrainedClassifier } from '../classify/trained-classifier';
import { saveOnnx } from '../export/export-layers-model';
import { crossEntropy } from '../losses/cross-entropy';
import { Accuracy } from '../metrics/accuracy';
import { Trainer, type FitResult } from '../trainer/trainer';
import { createAccuracyEvaluator } from './accuracy-evaluator';
import { applyPruning } from './apply-pruning';
import { analyzeChannels, type ModelCost } from './channel-graph';
import { channelScores, checkCriterion, type PruneCriterion } from './criteria';
import { checkFlopsTarget, planBySensitivity, planUniform, PRUNE_METHODS, type PruneMethod, type PrunePlan } from './plan';
import { measureSensitivity, type SensitivityResult } from './sensitivity';

/** Options of {@link pruneClassifier}. */
export interface PruneClassifierOptions {
  /** A `train classify` output folder (config.json + `last/` or `best/` checkpoint). */
  run: string;
  /** Class-folder data (same classes as the run); default the run's own `--data`. */
  data?: string;
  /** Output folder (not the run folder): `model.onnx`, `labels.json`, `model.card.json`, `unpruned.onnx`, `prune-report.json`. */
  out: string;
  /** Fraction of FLOPs to keep, in (0, 1). */
  flops: number;
  /** Channel importance. Default `l1`. */
  criterion?: PruneCriterion;
  /** `sensitivity` (default): per-group ratios from a sweep; `uniform`: one ratio for all groups. */
  method?: PruneMethod;
  /** Ratios of the sensitivity sweep (default 0.1 … 0.7). */
  ratios?: readonly number[];
  /** A sweep measured before (same run, checkpoint and criterion): skips measuring. */
  sensitivity?: SensitivityResult;
  /**
   * Kept channels of every group rounded to a multiple of this (default 8): onnxruntime runs
   * convolutions on multiples of 8 channels faster, and odd counts can make a pruned model
   * slower than the original (see `lowestChannels`); 1 = exact ratios.
   */
  channelMultiple?: number;
  /** At most this many validation images for the sweep (default all). */
  sensitivityImages?: number;
  /** Fine-tuning epochs after pruning (default 3; 0 = none). */
  epochs?: number;
  /** Peak learning rate of fine-tuning (default 0.3 × the run's). */
  lr?: number;
  /** Batch size of fine-tuning (default the run's). */
  batchSize?: number;
  /** Which checkpoint to prune (default `last`, else `best`, as `loadTrainedClassifier`). */
  checkpoint?: 'best' | 'last';
  /** Force a tfjs backend (default: the fastest that loads). */
  backend?: TrainBackend;
  /** Sweep and fine-tuning progress. */
  onProgress?: ProgressCallback;
  /** One-line notes (backend, groups, plan), e.g. to stderr. */
  onMessage?: (line: string) => void;
  /**
   * Called with the pruned (and fine-tuned) tfjs model and the original after export, before
   * both are disposed: to run or save them (tests compare the ONNX export against it).
   */
  onPrunedModel?: (pruned: tfl.LayersModel, original: tfl.LayersModel) => Promise<void> | void;
}

/** What happened to one channel group. */
export interface PrunedGroupSummary {
  group: number;
  /** Producer layers. */
  layers: string[];
  channels: number;
  kept: number;
  ratio: number;
}

/** What {@link pruneClassifier} did, JSON-serialisable (`prune-report.json`). */
export interface PruneClassifierResult {
  run: string;
  out: string;
  data: string;
  backend: TrainBackend;
  checkpoint: 'best' | 'last';
  config: ClassifyConfig;
  classNames: string[];
  criterion: PruneCriterion;
  method: PruneMethod;
  channelMultiple: number;
  /** Kept FLOPs fraction asked for, and reached. */
  target: number;
  flopsRatio: number;
  reached: boolean;
  before: ModelCost;
  after: ModelCost;
  lossThreshold?: number;
  groups: PrunedGroupSummary[];
  /** Channel groups that must keep their channels, with the reason. */
  fixedGroups: { group: number; layers: string[]; reason: string }[];
  /** Validation accuracy: unpruned, pruned before fine-tuning, after fine-tuning. */
  accuracy: { images: number; baseline: number; pruned: number; fineTuned?: number };
  fineTune: { epochs: number; lr: number; batchSize: number; steps: number };
  sensitivity?: SensitivityResult;
  seconds: { sensitivity: number; fineTune: number; total: number };
  files: { onnx: string; unprunedOnnx: string; labels: string; card: string; report: string };
}

/** The data folder a run was trained on (config.json's `data`). */
async function savedDataFolder(run: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(run, 'config.json'), 'utf8')) as { data?: unknown };
    return typeof parsed.data === 'string' ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the options that need no file or backend. */
function checkOptions(o: PruneClassifierOptions): { criterion: PruneCriterion; method: PruneMethod; epochs: number; channelMultiple: number } {
  checkFlopsTarget(o.flops);
  const criterion = checkCriterion(o.criterion ?? 'l1');
  const method = o.method ?? 'sensitivity';
  if (!(PRUNE_METHODS as readonly string[]).includes(method)) throw new InvalidArgumentError(`unknown pruning method '${String(method)}': use one of ${PRUNE_METHODS.join(', ')}`);
  const epochs = o.epochs ?? 3;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError(`epochs must be an integer >= 0, got ${epochs}`);
  if (o.lr !== undefined && !(o.lr > 0)) throw new InvalidArgumentError(`lr must be > 0, got ${o.lr}`);
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw new InvalidArgumentError(`batchSize must be an integer >= 1, got ${o.batchSize}`);
  const channelMultiple = o.channelMultiple ?? 8;
  if (!(Number.isInteger(channelMultiple) && channelMultiple >= 1)) throw new InvalidArgumentError(`channelMultiple must be an integer >= 1, got ${channelMultiple}`);
  return { criterion, method, epochs, channelMultiple };
}

/** Options of {@link fineTuneClassifier}. */
export interface FineTuneOptions {
  epochs: number;
  /** Peak rate of the cosine schedule. */
  lr: number;
  batchSize: number;
  evalData?: MemoryImageDataset;
  seed?: number;
  onProgress?: ProgressCallback;
}

/**
 * Trains `model` in place for a few epochs with `train classify`'s optimizer (cosine with
 * warmup) and loss: the recovery step after pruning.
 */
export async function fineTuneClassifier(model: tfl.LayersModel, train: MemoryImageDataset, config: ClassifyConfig, options: FineTuneOptions): Promise<FitResult> {
  const stepsPerEpoch = Math.ceil(train.length / options.batchSize);
  const trainer = new Trainer({
    model,
    optimizer: buildClassifierOptimizer({ ...config, batchSize: options.batchSize }, stepsPerEpoch, { epochs: options.epochs, lr: options.lr }),
    lossFn: crossEntropy(),
    metrics: [new Accuracy()],
    seed: options.seed ?? config.seed,
    onProgress: options.onProgress,
  });
  try {
    return await trainer.fit(train, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      evalData: options.evalData,
      logInterval: Math.min(10, stepsPerEpoch),
    });
  } finally {
    trainer.dispose();
  }
}

/**
 * Prunes the classifier of a `train classify` run to a FLOPs target (PaddleSlim's
 * Pruner + sensitivity flow on train-core models):
 *
 * 1. rebuilds the run's model with its checkpoint and loads its data (same split and
 *    augmentation as training; the sweep and the reported accuracies use the validation split);
 * 2. finds the channel groups (residual adds, depthwise convs, concatenations; channels
 *    reaching the output stay) and scores every channel (`l1`, `fpgm`, `bn-scale`);
 * 3. `sensitivity`: prunes each group alone by 0.1 … 0.7, measures the accuracy drop, and
 *    picks per-group ratios that reach the target with the least drop; `uniform`: one ratio;
 * 4. builds the smaller model (fewer filters, weights sliced), fine-tunes it for `epochs`,
 *    exports it (`model.onnx`, `labels.json`, `model.card.json`, as `train classify` does) and
 *    the unpruned model (`unpruned.onnx`) to compare, and writes `prune-report.json`.
 *
 * @throws InvalidArgumentError for a FLOPs target outside (0, 1), an unknown criterion or
 *   method, bad epochs/lr/batch size, `out` equal to `run`; ModelkitError `E_FILE_NOT_FOUND`
 *   for a folder without a run or checkpoint; ModelError `E_UNSUPPORTED_OP` naming a layer
 *   the pruner has no rule for.
 */
export async function pruneClassifier(options: PruneClassifierOptions): Promise<PruneClassifierResult> {
  const t0 = performance.now();
  const say = options.onMessage ?? (() => undefined);
  const { criterion, method, epochs, channelMultiple } = checkOptions(options);
  const run = resolve(options.run);
  const out = resolve(options.out);
  // The run's own model.onnx must never be overwritten by the pruned one.
  if (out === run) throw new ModelkitError(ErrorCodes.OUTPUT_CONFLICT, `the output folder must not be the run folder ${run}: the pruned model.onnx would replace the run's`, { details: { out } });
  const dataDir = options.data ?? (await savedDataFolder(run));
  if (!dataDir) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${run} holds no train classify run (no config.json with a data folder); give the data folder`, { details: { file: run } });
  const data = resolve(dataDir);

  const choice = await selectBackend({ prefer: options.backend });
  say(`backend: ${choice.backend}`);
  const trained = await loadTrainedClassifier(run, options.checkpoint);
  const { model, config, classNames } = trained;
  let pruned: tfl.LayersModel | undefined;
  let evaluator: Awaited<ReturnType<typeof createAccuracyEvaluator>> | undefined;
  try {
    const graph = analyzeChannels(model);
    const prunable = graph.prunableGroups;
    if (prunable.length === 0) throw new InvalidArgumentError(`${run}: the model has no channel group that can be pruned`);
    say(`model: ${config.model}${config.pretrained !== 'none' ? ` (${config.pretrained})` : ''} ${config.size}x${config.size}, ${trained.checkpoint}/ checkpoint (step ${trained.step}); ${graph.groups.length} channel groups, ${prunable.length} prunable`);

    const ds = await loadClassifyData(data, {
      size: config.size,
      valSplit: config.valSplit,
      seed: config.seed,
      transform: buildClassifierAugment(config.augment),
      classNames,
      onSkip: (s) => say(`skipped ${s.file}: ${s.code}: ${s.message}`),
    });
    // Without a validation split the training images (unaugmented) stand in: the report says how many.
    const val = ds.val ?? ds.train.withTransform(undefined);
    if (!ds.val) say('no validation split in this run: sensitivity and accuracy use the training images');
    evaluator = await createAccuracyEvaluator(val, { limit: options.sensitivityImages });
    const fullEvaluator = options.sensitivityImages !== undefined && options.sensitivityImages < val.length ? undefined : evaluator;

    const scores = channelScores(graph, criterion);
    const tSens = performance.now();
    let sensitivity: SensitivityResult | undefined;
    let plan: PrunePlan;
    if (method === 'sensitivity') {
      const ev = evaluator;
      sensitivity = options.sensitivity ?? (await measureSensitivity(graph, scores, { evaluate: (m) => ev.evaluate(m), ratios: options.ratios, channelMultiple, onProgress: options.onProgress }));
      plan = planBySensitivity(graph, scores, sensitivity, options.flops, { channelMultiple });
    } else {
      plan = planUniform(graph, scores, options.flops, { channelMultiple });
    }
    const sensitivitySeconds = (performance.now() - tSens) / 1000;
    if (!plan.reached) say(`the target ${options.flops} is not reachable with the allowed ratios: pruned to ${plan.flopsRatio.toFixed(3)} of the FLOPs`);
    say(`plan (${method}, ${criterion}): FLOPs ${plan.before.flops} -> ${plan.after.flops} (${(plan.flopsRatio * 100).toFixed(1)}%), params ${plan.before.params} -> ${plan.after.params}`);

    pruned = await applyPruning(model, graph, plan.selection);
    // The reported accuracies use every validation image, whatever the sweep used.
    if (!fullEvaluator) {
      evaluator.dispose();
      evaluator = await createAccuracyEvaluator(val);
    }
    const baseline = await evaluator.evaluate(model);
    const prunedAcc = await evaluator.evaluate(pruned);
    say(`val accuracy: ${(baseline * 100).toFixed(2)}% unpruned, ${(prunedAcc * 100).toFixed(2)}% pruned before fine-tuning`);

    const lr = options.lr ?? config.lr * 0.3;
    const batchSize = options.batchSize ?? config.batchSize;
    const tFit = performance.now();
    let fineTuned: number | undefined;
    let steps = 0;
    if (epochs > 0) {
      const fit = await fineTuneClassifier(pruned, ds.train, config, { epochs, lr, batchSize, evalData: ds.val, onProgress: options.onProgress });
      steps = fit.steps;
      fineTuned = await evaluator.evaluate(pruned);
      say(`fine-tuned ${epochs} epoch(s), ${steps} steps: val accuracy ${(fineTuned * 100).toFixed(2)}%`);
    }
    const fineTuneSeconds = (performance.now() - tFit) / 1000;

    await makeDirs(out);
    const pct = Math.round(plan.flopsRatio * 100);
    const exported = await exportClassifier(pruned, out, {
      classNames,
      size: config.size,
      description: `${config.model} ${config.size}x${config.size} image classifier (${classNames.join(', ')}) pruned to ${pct}% of its FLOPs (${criterion}, ${method}) by modelkit compress prune`,
    });
    const unprunedOnnx = join(out, 'unpruned.onnx');
    await saveOnnx(model, unprunedOnnx, { inputName: 'image', outputNames: ['probs'] });
    const report = join(out, 'prune-report.json');
    const result: PruneClassifierResult = {
      run,
      out,
      data,
      backend: choice.backend,
      checkpoint: trained.checkpoint,
      config,
      classNames,
      criterion,
      method,
      channelMultiple,
      target: options.flops,
      flopsRatio: plan.flopsRatio,
      reached: plan.reached,
      before: plan.before,
      after: plan.after,
      ...(plan.lossThreshold !== undefined ? { lossThreshold: plan.lossThreshold } : {}),
      groups: prunable.map((g) => {
        const removed = plan.selection.find((s) => s.group === g.id)?.remove.length ?? 0;
        return { group: g.id, layers: g.producers.map((q) => q.layer), channels: g.size, kept: g.size - removed, ratio: plan.ratios[g.id] ?? 0 };
      }),
      fixedGroups: graph.groups.filter((g) => !g.prunable).map((g) => ({ group: g.id, layers: g.producers.map((p) => p.layer), reason: g.reason ?? '' })),
      accuracy: { images: evaluator.count, baseline, pruned: prunedAcc, ...(fineTuned !== undefined ? { fineTuned } : {}) },
      fineTune: { epochs, lr, batchSize, steps },
      ...(sensitivity ? { sensitivity } : {}),
      seconds: { sensitivity: sensitivitySeconds, fineTune: fineTuneSeconds, total: (performance.now() - t0) / 1000 },
      files: { onnx: exported.onnx, unprunedOnnx, labels: exported.labels, card: exported.card, report },
    };
    await writeFileAtomic(report, `${JSON.stringify(result, null, 2)}\n`);
    await options.onPrunedModel?.(pruned, model);
    return result;
  } finally {
    evaluator?.dispose();
    pruned?.dispose();
    model.dispose();
  }
}
