/**
 * `videotag train`: labelled videos → cached frame features (decoded once, whatever the
 * epochs) → sequence heads trained with train-core's Trainer (checkpoints, resume, EMA,
 * cosine schedule) → ONNX export (several heads fused by weighted averaging) → a model
 * card the kit loads with `--model OUT`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  emitProgress, ErrorCodes, InferenceSession, InvalidArgumentError, isModelkitError, makeDirs, ModelkitError, writeFileAtomic,
  type OnnxModel, type ProgressCallback, type SessionOptions,
} from '@modelkit/core';
import {
  Adam, binaryCrossEntropy, buildVideoHead, cosineWarmup, exportVideoHeadToOnnx, fuseVideoHeads, loadCheckpoint, selectBackend, Trainer,
  SeededRng, VideoTagMetrics, videoHeadPreset, yt8mMetrics, type TrainBackend, type VideoHeadConfig, type Yt8mReport,
} from '@modelkit/train-core';
import { multiHot, readVideoDataset, type LabelledVideo } from '../data/video-dataset';
import type { VideoFeatures } from '../features/video-features';
import type { HeadModality } from '../heads/head-spec';
import { VideoTagger } from '../video-tagger';
import { writeHeadModel, type ExportedHeadModel } from './export-head-model';
import { SequenceDataset, type SequenceItem } from './sequence-dataset';
import { holdout } from './split';
import { checkTrainConfig, HEAD_NAMES, TRAIN_DEFAULTS, type HeadName, type TrainTaggerConfig } from './train-config';

/** Options of {@link trainVideoTagger}. */
export interface TrainTaggerOptions extends Partial<TrainTaggerConfig> {
  data: string;
  out: string;
  /** Continue `out` from each head's last checkpoint (same settings; only `epochs` may grow). */
  resume?: boolean;
  backend?: TrainBackend;
  /** Per head, fields that replace the preset's (e.g. `{ lstm: { lstmSize: 32 } }`); API only. */
  headOverrides?: Partial<Record<HeadName, Partial<VideoHeadConfig>>>;
  session?: SessionOptions;
  onProgress?: ProgressCallback;
  /** One line per notable step (backend, data, skipped videos). */
  onMessage?: (line: string) => void;
}

/** Per head: where it ended. */
export interface HeadSummary {
  head: HeadName;
  kind: string;
  params: number;
  steps: number;
  epochs: number;
  /** Validation metrics of the exported weights (onnxruntime on the validation set). */
  val?: Yt8mReport;
  bestEpoch?: number;
  /** Weight in the fused model. */
  weight: number;
}

/** What {@link trainVideoTagger} returns. */
export interface TrainTaggerSummary {
  config: TrainTaggerConfig;
  labels: string[];
  trainVideos: number;
  valVideos: number;
  skipped: { video: string; code: string; message: string }[];
  backend: string;
  heads: HeadSummary[];
  /** Validation metrics of the exported (fused) model. */
  val?: Yt8mReport;
  /** Feature extraction: videos decoded, videos read from the cache, seconds. */
  features: { decoded: number; cached: number; seconds: number };
  seconds: number;
  resumedFromStep?: number;
  files: ExportedHeadModel;
}

/** OUT/config.json: the settings and the label list of the run. */
interface SavedConfig {
  config: TrainTaggerConfig;
  labels: string[];
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

function configOf(o: TrainTaggerOptions): TrainTaggerConfig {
  const c: TrainTaggerConfig = { ...TRAIN_DEFAULTS };
  for (const k of Object.keys(TRAIN_DEFAULTS) as (keyof TrainTaggerConfig)[]) {
    if (o[k] !== undefined) (c as unknown as Record<string, unknown>)[k] = o[k];
  }
  checkTrainConfig(c);
  return c;
}

/** Settings that must not change on resume, with the one that may (epochs) left out. */
function fixedPart(c: TrainTaggerConfig): string {
  const { epochs: _epochs, ...rest } = c;
  return JSON.stringify(rest);
}

/**
 * Trains, checkpoints, exports and describes a video tagger; see the README's "Training".
 * @throws ModelkitError `E_FILE_NOT_FOUND` / `E_BAD_JSON` for the data, `E_INVALID_ARGUMENT`
 *   for settings (and an existing `out` without `resume`), `E_FFMPEG_NOT_FOUND`.
 */
export async function trainVideoTagger(o: TrainTaggerOptions): Promise<TrainTaggerSummary> {
  const t0 = performance.now();
  const say = o.onMessage ?? (() => undefined);
  let config = configOf(o);
  const out = resolve(o.out);
  const configPath = join(out, 'config.json');
  const ds = readVideoDataset(o.data, { minLabels: 2 });
  let labels = ds.labels;
  if (await exists(configPath)) {
    if (!o.resume) throw new InvalidArgumentError(`${out} already holds a training run; pass --resume to continue it, or choose another --out`, { details: { path: out } });
    const saved = JSON.parse(await readFile(configPath, 'utf8')) as SavedConfig;
    const merged = { ...saved.config, ...(o.epochs !== undefined && { epochs: o.epochs }) };
    const given = configOf({ ...o, ...Object.fromEntries(Object.entries(saved.config).filter(([k]) => (o as unknown as Record<string, unknown>)[k] === undefined)) });
    if (fixedPart(given) !== fixedPart(merged)) {
      throw new InvalidArgumentError(`--resume continues ${out} with its saved settings; only --epochs may change (saved: ${fixedPart(saved.config)})`, { details: { saved: saved.config } });
    }
    config = merged;
    labels = saved.labels;
  }
  await makeDirs(out);
  await writeFileAtomic(configPath, `${JSON.stringify({ config, labels } satisfies SavedConfig, null, 2)}\n`);

  const backend = await selectBackend(o.backend ? { prefer: o.backend } : {});
  say(`backend: ${backend.backend}${backend.skipped.length ? ` (skipped ${backend.skipped.join('; ')})` : ''}`);
  const split = ds.val ? { train: ds.items, val: ds.val } : holdout(ds.items, config.valSplit, config.seed);
  say(`data: ${labels.length} labels (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''}), ${split.train.length} train / ${split.val.length} val videos${ds.val ? '' : ` (seeded ${config.valSplit} holdout)`}`);

  // Stage one: features, decoded once per video and settings (cached under MODELKIT_HOME).
  const tagger = await VideoTagger.create({ objects: config.features === 'rgb+objects' ? 'det' : 'none', session: o.session });
  const skipped: TrainTaggerSummary['skipped'] = [];
  const f0 = performance.now();
  let decoded = 0;
  let cachedCount = 0;
  const extract = async (items: readonly LabelledVideo[], done: number, total: number): Promise<SequenceItem[]> => {
    const result: SequenceItem[] = [];
    for (const [i, item] of items.entries()) {
      try {
        const x = await tagger.extract(item.video, {
          sampling: { mode: 'segments', segments: config.segments, perSegment: config.perSegment },
          keyframesOnly: config.keyframesOnly,
          objects: config.features === 'rgb+objects',
        });
        if (x.cached) cachedCount++;
        else decoded++;
        result.push({ features: x.features, target: multiHot(item, labels) });
      } catch (err) {
        if (!isModelkitError(err) || err.code === ErrorCodes.FFMPEG_NOT_FOUND) throw err;
        skipped.push({ video: item.video, code: err.code, message: err.message });
        say(`skipped ${item.video}: ${err.code}: ${err.message}`);
      }
      emitProgress(o.onProgress, { task: 'videotag features', phase: 'progress', done: done + i + 1, total, unit: 'items' });
    }
    return result;
  };
  let train: SequenceItem[];
  let val: SequenceItem[];
  try {
    if (config.features === 'rgb+objects' && !tagger.detector) {
      throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, '--features rgb+objects needs the det kit (npm i @modelkit/det); or train on --features rgb', { details: { kit: 'det' } });
    }
    const total = split.train.length + split.val.length;
    emitProgress(o.onProgress, { task: 'videotag features', phase: 'start', done: 0, total, unit: 'items' });
    train = await extract(split.train, 0, total);
    val = await extract(split.val, split.train.length, total);
    emitProgress(o.onProgress, { task: 'videotag features', phase: 'end', done: total, total, unit: 'items' });
  } finally {
    await tagger.dispose();
  }
  if (train.length === 0) throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `no readable training video in ${o.data} (${skipped.length} skipped)`, { details: { path: o.data } });
  const featureSeconds = (performance.now() - f0) / 1000;
  say(`features: ${decoded} videos decoded, ${cachedCount} from the cache, ${featureSeconds.toFixed(1)} s`);

  const first: VideoFeatures = train[0].features;
  const modalities: HeadModality[] = [{ name: 'rgb', dim: first.embedDim }];
  if (config.features === 'rgb+objects') modalities.push({ name: 'objects', dim: first.objectLabels!.length });
  const seqOptions = { segments: config.segments, perSegment: config.perSegment, modalities };
  const trainSet = new SequenceDataset(train, { ...seqOptions, random: true });
  const valSet = val.length ? new SequenceDataset(val, { ...seqOptions, random: false }) : undefined;

  // Stage two: the heads.
  const heads: HeadSummary[] = [];
  const onnxHeads: OnnxModel[] = [];
  let resumedFromStep: number | undefined;
  for (const name of config.heads) {
    const kind = HEAD_NAMES[name];
    const preset = videoHeadPreset(kind, config.preset, { numClasses: labels.length, modalities, segments: config.segments, seed: config.seed });
    const headConfig = { ...preset, ...o.headOverrides?.[name], kind, numClasses: labels.length, modalities, segments: config.segments } as VideoHeadConfig;
    const model = buildVideoHead(headConfig);
    const steps = Math.ceil(train.length / config.batchSize) * config.epochs;
    const trainer = new Trainer({
      model,
      optimizer: new Adam({ learningRate: cosineWarmup({ baseLr: config.lr, totalSteps: steps, warmupSteps: Math.max(1, Math.round(steps * 0.05)) }) }),
      lossFn: binaryCrossEntropy({ fromLogits: true }),
      metrics: [new VideoTagMetrics()],
      checkpointDir: join(out, 'heads', name),
      seed: config.seed,
      ema: config.ema,
      onProgress: o.onProgress,
    });
    try {
      say(`head ${name} (${kind}, ${config.preset}): ${model.countParams()} parameters`);
      const fit = await trainer.fit(trainSet, { epochs: config.epochs, batchSize: config.batchSize, evalData: valSet, bestMetric: valSet ? 'gap' : undefined, resume: o.resume });
      if (fit.resumed && resumedFromStep === undefined) resumedFromStep = fit.log.find((r) => r.type === 'resume')?.step;
      // Export the best validation checkpoint (the last weights without validation), as EMA when enabled.
      if (fit.best) {
        const best = await loadCheckpoint(join(out, 'heads', name, 'best'));
        if (best) trainer.restore(best);
      }
      if (trainer.ema && trainer.ema.updates > 0) {
        const avg = trainer.ema.weights();
        model.weights.forEach((w, i) => w.write(avg[i]));
      }
      const onnx = exportVideoHeadToOnnx(model);
      onnxHeads.push(onnx);
      heads.push({ head: name, kind, params: model.countParams(), steps: fit.steps, epochs: fit.epochs, bestEpoch: fit.best ? fit.best.epoch + 1 : undefined, weight: 1 });
    } finally {
      trainer.dispose();
      model.dispose();
    }
  }

  // Each head's validation metrics on onnxruntime (what tagging will run), then fusion weights.
  const valSeqs = valSet ? Array.from({ length: valSet.length }, (_, i) => valSet.get(i, new SeededRng(0))) : [];
  const scoreOnnx = async (onnx: OnnxModel): Promise<Yt8mReport | undefined> => {
    if (valSeqs.length === 0) return undefined;
    const session = await InferenceSession.create(onnx, { threads: 1, spinning: false });
    try {
      const preds: Float32Array[] = [];
      for (const ex of valSeqs) preds.push((await session.run({ features: { data: ex.input, dims: [1, ...valSet!.inputShape] } })).probs.data as Float32Array);
      return yt8mMetrics(preds, valSeqs.map((e) => e.target as Float32Array));
    } finally {
      await session.release();
    }
  };
  for (const [i, h] of heads.entries()) {
    h.val = await scoreOnnx(onnxHeads[i]);
    h.weight = heads.length > 1 && h.val ? Math.max(0.01, h.val.gap) : 1;
  }
  const finalOnnx = onnxHeads.length === 1 ? onnxHeads[0] : fuseVideoHeads(onnxHeads.map((m, i) => ({ model: m, weight: heads[i].weight })));
  const valReport = heads.length === 1 ? heads[0].val : await scoreOnnx(finalOnnx);
  const files = await writeHeadModel(out, finalOnnx, {
    labels,
    spec: {
      kind: 'videotag-head',
      segments: config.segments,
      modalities,
      frameSize: first.settings.size,
      keyframesOnly: config.keyframesOnly,
      embedder: first.settings.embedder,
      ...(first.objectLabels && config.features === 'rgb+objects' && { objectLabels: first.objectLabels }),
    },
    description: `videotag ${config.heads.join('+')} head (${config.preset}) on ${labels.length} labels, ${config.segments} segments`,
  });
  return {
    config,
    labels,
    trainVideos: train.length,
    valVideos: val.length,
    skipped,
    backend: backend.backend,
    heads,
    val: valReport,
    features: { decoded, cached: cachedCount, seconds: featureSeconds },
    seconds: (performance.now() - t0) / 1000,
    resumedFromStep,
    files,
  };
}
