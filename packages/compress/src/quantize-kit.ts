/**
 * `quantizeKit`: int8 models for a kit, within an accuracy budget. Calibrates through the
 * kit's own pipeline, measures every layer's sensitivity, searches the fewest float layers
 * that keep the kit's metric within `maxLoss` points, keeps only int8 models that are
 * faster (timed interleaved), writes them with cards and a report, and registers them.
 */
import { statSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { KitDefinition, ProgressCallback, SessionOptions } from '@modelkit/core';
import { chooseModel, type ModelChoice } from './budget/choose-model';
import type { CalibrationMethod } from './calibrate/range-methods';
import { calibrationDigest } from './data/calibration-digest';
import { writeEvalSubset } from './data/eval-subset';
import { resolveImageSet, type ImageSet } from './data/images';
import { splitCalibVal } from './data/split';
import { calibrateKit, type CalibratedSlot } from './kit/calibrate-kit';
import { captureValidationFeeds } from './kit/validation-feeds';
import { timeInterleaved } from './speed/interleaved-timing';
import { findKit } from './kit/find-kit';
import { KIT_METRICS } from './kit/kit-metrics';
import { sha256Hex, writeModelFolder, type CompressionInfo } from './kit/model-folder';
import { modelSlots } from './kit/model-slots';
import { AgreementValidation, LabelValidation, type CandidateModel, type Validation } from './kit/validation';
import { registerCard } from './register/register-card';
import { formatReport } from './report/format-report';
import { machineInfo } from './report/machine';
import type { CompressReport, ModelReport } from './report/report-types';

/** Options of {@link quantizeKit}. */
export interface QuantizeKitOptions {
  /** The kit: an installed kit's name (`ocr`, `det`, `seg`) or its definition. */
  kit: string | KitDefinition;
  /** Create options of the kit (its model options pick what is quantized, e.g. `{ model: 'meet' }`). */
  kitOptions?: Record<string, unknown>;
  /** Calibration images: a folder of images, a data folder in the kit's eval layout, or an eval `.json` file. */
  calib: string;
  /** Labelled validation: a data folder in the kit's eval layout, or an eval `.json` in its format; or a folder of plain images (output agreement). Default: none (agreement on held-back calibration images). */
  val?: string;
  /** Calibration range method (default `mse`). */
  method?: CalibrationMethod;
  /** `percentile`'s p (default 99.999). */
  percentile?: number;
  /** `entropy`'s histogram bins (default 2048). */
  entropyBins?: number;
  /** Allowed loss of every headline metric, in points (default 1; output agreement: % relative L2 error). */
  maxLoss?: number;
  /** `speed` (default): an int8 model must be faster to be chosen; `size`: the smallest within the budget. */
  prefer?: 'speed' | 'size';
  /** Report metrics (dotted paths into the kit's eval report); default per kit (det AP, OCR det and end-to-end hmean, seg person IoU). */
  metrics?: string[];
  /** At most this many calibration images (default 32) and validation images (default all). */
  calibLimit?: number;
  valLimit?: number;
  /** Where the int8 models, cards and report go. */
  out: string;
  /** Register the chosen models in MODELKIT_HOME/cards (default true). */
  register?: boolean;
  /** Also keep every evaluated candidate model, in `<out>/candidates/<option>/` (default false). */
  keepCandidates?: boolean;
  /** Empirical bias correction of the quantized convolutions (default true). */
  biasCorrection?: boolean;
  /** onnxruntime threads for calibration and evaluation (timing always uses 1). */
  threads?: number;
  /** Timing rounds per candidate (default 20). */
  rounds?: number;
  onProgress?: ProgressCallback;
  /** Log lines (what is being tried, results). */
  onMessage?: (line: string) => void;
}

/** What {@link quantizeKit} returns: the report and the files it wrote. */
export interface QuantizeKitResult {
  report: CompressReport;
  files: { report: string; text: string; models: string[] };
}

/** The int8 id of a float card. */
export function int8Id(floatId: string): string {
  return `${floatId.replace(/-int8$/, '')}-int8`;
}

/**
 * Calibrated slots, the largest share of the kit's inference time first: runs per
 * calibration image x median float ms per run on the slot's sample.
 */
async function byTimeShare(calibrated: readonly CalibratedSlot[], floatSession: SessionOptions): Promise<CalibratedSlot[]> {
  const share = new Map<CalibratedSlot, number>();
  for (const c of calibrated) {
    const [t] = await timeInterleaved([{ name: c.slot.option, source: c.slot.path, session: floatSession }], c.sample, { rounds: 3, warmup: 1 });
    share.set(c, (t!.medianMs / Math.max(1, c.sample.length)) * c.quantizer.calibrationRuns);
  }
  return [...calibrated].sort((a, b) => share.get(b)! - share.get(a)!);
}

/** Quantizes a kit's models to int8 within an accuracy budget. */
export async function quantizeKit(o: QuantizeKitOptions): Promise<QuantizeKitResult> {
  const kit = typeof o.kit === 'string' ? findKit(o.kit) : o.kit;
  const say = (line: string): void => o.onMessage?.(line);
  const maxLoss = o.maxLoss ?? 1;
  const prefer = o.prefer ?? 'speed';
  const method = o.method ?? 'mse';
  const kitOptions: Record<string, unknown> = { ...o.kitOptions, ...(o.threads !== undefined ? { threads: o.threads } : {}) };
  const mainEval = (dir: string): string | undefined => kit.evalFiles(dir)[0];

  const slots = await modelSlots(kit, kitOptions);
  if (slots.length === 0) throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `${kit.name}: the kit has no model option to quantize`, { details: { kit: kit.name } });
  const calibSet = resolveImageSet(o.calib, mainEval);
  const valSet: ImageSet | undefined = o.val === undefined ? undefined : resolveImageSet(o.val, mainEval);
  const labelled = valSet?.evalFile !== undefined;
  const split = splitCalibVal(calibSet, valSet, { calibLimit: o.calibLimit ?? 32, valLimit: o.valLimit });
  if (split.calibration.length === 0) throw new ModelkitError(ErrorCodes.NO_CALIBRATION_DATA, `no calibration images left in ${o.calib} after the split from the validation set`, { details: { calib: o.calib } });
  say(`calibration: ${split.calibration.length} images; validation: ${labelled ? `${split.validation.length} labelled images` : 'output agreement'}; ${split.rule}`);

  const work = await mkdtemp(join(tmpdir(), 'modelkit-compress-data-'));
  try {
    const calibrated = await calibrateKit(kit, slots, split.calibration, {
      kitOptions,
      quantizer: { method, percentile: o.percentile, entropyBins: o.entropyBins, session: { threads: o.threads } },
      onProgress: o.onProgress,
      onSkip: (image, err) => say(`skipped calibration image ${image}: ${(err as Error).message}`),
    });
    if (calibrated.length === 0) throw new ModelkitError(ErrorCodes.NO_CALIBRATION_DATA, `${kit.name}: the kit ran none of its models on the calibration images`, { details: { kit: kit.name } });

    // Validation: the kit's evaluator on a data folder listing only the validation images.
    let validation: Validation;
    let metrics: string[];
    if (labelled) {
      metrics = o.metrics ?? [...(KIT_METRICS[kit.name] ?? [])];
      if (metrics.length === 0) throw new ModelkitError(ErrorCodes.USAGE, `${kit.name}: give the metrics to budget (paths into the kit's eval report)`, { details: { kit: kit.name } });
      const own = valSet!.dataDir !== undefined && mainEval(valSet!.dataDir) === valSet!.evalFile;
      let dataDir = valSet!.dataDir!;
      if (!own || split.validation.length !== valSet!.images.length) {
        dataDir = join(work, 'validation');
        await writeEvalSubset(valSet!.evalFile!, valSet!.dataDir!, new Set(split.validation), dataDir, mainEval(dataDir)!);
      }
      validation = new LabelValidation(kit, kitOptions, dataDir, metrics);
    } else {
      const images = valSet ? split.validation : split.calibration.slice(-Math.min(8, split.calibration.length));
      const feeds = await captureValidationFeeds(kit, kitOptions, calibrated.map((c) => c.slot), images);
      validation = await AgreementValidation.create(new Map(calibrated.map((c) => [c.slot.option, { path: c.slot.path, feeds: feeds.get(c.slot.option) ?? [] }])), { threads: o.threads });
      metrics = validation.metrics;
    }
    const baseline = labelled ? await validation.evaluate(new Map()) : { agreement: 1 };
    say(`float: ${Object.entries(baseline).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);

    const digest = await calibrationDigest(split.calibration);
    const floatSession = { optimize: kit.sessionDefaults?.optimize };
    const choices = new Map<string, ModelChoice>();
    const fp32Sha = new Map<string, string>();
    const outDir = resolve(o.out);
    await mkdir(outDir, { recursive: true });
    // Models are chosen one after the other, each evaluated with the int8 models chosen
    // before it in place: the budget is the kit's, not each model's.
    const folders = new Map<string, CandidateModel>();
    const cards = new Map<string, { card: Awaited<ReturnType<typeof writeModelFolder>>; folder: string }>();
    const chosenOrder: string[] = [];
    // The model that takes the most time chooses first, while the whole budget is left.
    for (const c of await byTimeShare(calibrated, floatSession)) {
      fp32Sha.set(c.slot.option, sha256Hex(await readFile(c.slot.path)));
      const choice = await chooseModel(c, {
        validation,
        baseline,
        maxLoss,
        prefer,
        info: { method, fp32: { id: c.slot.card.id, sha256: fp32Sha.get(c.slot.option)! }, calibration: { images: split.calibration.length, digest }, tool: '@modelkit/compress' },
        floatSession,
        session: { threads: o.threads },
        rounds: o.rounds,
        fixed: folders,
        biasCorrection: o.biasCorrection,
        ...(o.keepCandidates && { candidatesDir: join(outDir, 'candidates', c.slot.option) }),
        onProgress: o.onProgress,
        onMessage: say,
      });
      choices.set(c.slot.option, choice);
      chosenOrder.push(c.slot.option);
      const ch = choice.chosen;
      if (!ch) continue;
      const id = int8Id(c.slot.card.id);
      const folder = join(outDir, id);
      const info: CompressionInfo = {
        kind: ch.kind === 'static' ? 'static-qdq-int8' : 'dynamic-matmul-int8',
        ...(ch.kind === 'static' ? { method, calibration: { images: split.calibration.length, digest } } : {}),
        fp32: { id: c.slot.card.id, sha256: fp32Sha.get(c.slot.option)! },
        keptFloat: ch.keptFloat,
        speedup: ch.candidate.speedup,
        lossPoints: ch.candidate.lossPoints,
        tool: '@modelkit/compress',
      };
      cards.set(c.slot.option, { card: await writeModelFolder(folder, ch.bytes, c.slot, id, info), folder });
      folders.set(c.slot.option, { folder, path: join(folder, 'model.onnx') });
    }

    // The last model chosen was evaluated with every earlier choice in place (later models
    // that stayed fp32 changed nothing), so its metrics are the kit's with all int8 models.
    let final: CompressReport['final'];
    const last = [...chosenOrder].reverse().map((option) => choices.get(option)!.chosen).find((ch) => ch !== undefined);
    if (last !== undefined) {
      final = { metrics: last.candidate.metrics, lossPoints: last.candidate.lossPoints, models: Object.fromEntries([...cards].map(([k, v]) => [k, v.card.id])) };
      say(`all int8 models together: ${Object.entries(final.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}, loss ${final.lossPoints.toFixed(2)} pt`);
    }

    const models: ModelReport[] = [];
    for (const c of calibrated) {
      const ch = choices.get(c.slot.option)!;
      const card = cards.get(c.slot.option);
      let registered: string | undefined;
      if (card && o.register !== false) registered = await registerCard(card.card, card.folder);
      models.push({
        option: c.slot.option,
        fp32: { id: c.slot.card.id, path: c.slot.path, sha256: fp32Sha.get(c.slot.option)!, bytes: statSync(c.slot.path).size },
        calibrationRuns: c.quantizer.calibrationRuns,
        prepare: c.quantizer.prepareReport,
        layers: ch.layers.map((l) => ({ name: l.name, opType: l.opType, sqnr: l.sqnr, chosen: ch.chosen ? (ch.int8Layers.has(l.name) ? 'int8' : 'float') : '-' })),
        candidates: ch.candidates,
        ...(ch.chosen && card
          ? { chosen: { id: card.card.id, candidate: ch.chosen.candidate.name, folder: card.folder, bytes: ch.chosen.bytes.length, speedup: ch.chosen.candidate.speedup, lossPoints: ch.chosen.candidate.lossPoints, ...(registered ? { registered } : {}) } }
          : {}),
        decision: ch.decision,
      });
    }
    for (const s of slots) if (!calibrated.some((c) => c.slot.option === s.option)) say(`${s.option}: the kit did not run ${s.card.id} on the calibration images; not quantized`);

    const report: CompressReport = {
      tool: '@modelkit/compress',
      createdAt: new Date().toISOString(),
      kit: kit.name,
      kitOptions: o.kitOptions ?? {},
      machine: machineInfo(),
      method,
      maxLoss,
      prefer,
      validation: validation.kind,
      metrics,
      data: {
        calibration: { source: calibSet.source, images: split.calibration.length, digest },
        ...(valSet ? { validation: { source: valSet.source, images: split.validation.length } } : {}),
        split: split.rule,
      },
      baseline,
      models,
      ...(final ? { final } : {}),
    };
    const reportFile = join(outDir, 'report.json');
    const textFile = join(outDir, 'report.md');
    await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(textFile, formatReport(report));
    return { report, files: { report: reportFile, text: textFile, models: [...cards.values()].map((c) => c.folder) } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
