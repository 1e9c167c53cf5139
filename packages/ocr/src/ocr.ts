import { InvalidArgumentError, SerialQueue, emitProgress, rotateImage, toRgbImage } from '@modelkit/core';
import type { ImageSource, ProgressCallback, RgbImage, SessionOptions, SessionStats } from '@modelkit/core';
import { AngleClassifier } from './angle-classifier';
import type { Angle } from './angle-classifier';
import { cropLine } from './crop-line';
import { clsInputSpec, detInputSpec, recInputSpec } from './input-spec';
import { LineImages } from './line-images';
import { registerOcrModels } from './model-cards';
import { resolveModelSource } from './model-source';
import { resolveOptions } from './ocr-options';
import type { ResolvedOcrOptions } from './ocr-options';
import { ScratchTensors } from './scratch-tensors';
import { TextDetector } from './text-detector';
import { TextRecognizer } from './text-recognizer';
import type { DetectResult, DetectedBox, OcrLine, OcrOptions, OcrResult, OcrTimings, RecognizedText } from './types';

export { cropLine } from './crop-line';
export type { ResolvedOcrOptions } from './ocr-options';

/** An image already in memory as modelkit's RGB type, or anything `loadImage` reads. */
export type OcrInput = ImageSource;

type RunStats = { runs: number; runMs: number };

/**
 * The PP-OCR pipeline: DB text detection, optional 0°/180° classification, CTC
 * recognition, with PaddleOCR's `predict_system` behaviour and defaults.
 *
 * Calls on one instance run one at a time (they queue), so per-image timings and
 * onnxruntime statistics stay exact; create several instances for parallel work.
 *
 * @example
 * const ocr = await Ocr.create();
 * const { lines } = await ocr.run('receipt.jpg');
 * for (const line of lines) console.log(line.text, line.score);
 * await ocr.dispose();
 */
export class Ocr {
  /** The resolved options (defaults filled in). */
  readonly options: Readonly<ResolvedOcrOptions>;
  /** Recognizer classes: blank at 0, dictionary, space. */
  readonly charset: readonly string[];
  private readonly serial = new SerialQueue('Ocr');

  private constructor(
    private readonly detector: TextDetector,
    private readonly recognizer: TextRecognizer,
    private readonly classifier: AngleClassifier | undefined,
    private readonly scratch: ScratchTensors,
    options: ResolvedOcrOptions,
  ) {
    this.options = Object.freeze(options);
    this.charset = recognizer.charset;
  }

  /**
   * Loads the three models (verified by sha256 through the registry), opens sessions and
   * checks each model fits its stage.
   * @throws ModelError `E_MODEL_FORMAT` naming the option and CLI flag when a model is not
   *   the kind its option asks for (e.g. a detector given as `clsModel`).
   */
  static async create(options: OcrOptions = {}): Promise<Ocr> {
    registerOcrModels();
    const o = resolveOptions(options);
    const fetchOptions = { cacheDir: options.cacheDir, offline: options.offline, onProgress: options.onProgress };
    const det = await resolveModelSource('detModel', options.detModel, fetchOptions);
    const rec = await resolveModelSource('recModel', options.recModel, fetchOptions);
    const detSpec = detInputSpec(det.card);
    if (options.limitSideLen === undefined) o.limitSideLen = detSpec.limitSideLen;
    // Spinning off unless the caller says otherwise: the three sessions each own a thread
    // pool, and a pool that spins after its run steals the cores the next model needs (and
    // any other process's). Same outputs; measured in tools/bench/ocr-peers/README.md.
    // Graph rewrites on by default: PP-LCNetV3's affine blocks and primitive hard-swish cost
    // PP-OCRv4 det ~1/3 of its time in onnxruntime; texts unchanged on the evaluation set.
    const session = { ...options.session, spinning: options.session?.spinning ?? false, optimize: options.session?.optimize ?? true };
    // One set of buffers for all stages: calls on one Ocr run one at a time.
    const scratch = new ScratchTensors();
    const lines = new LineImages();
    const opened: { release(): Promise<void> }[] = [];
    try {
      const detector = await TextDetector.create(det.path, { session, spec: detSpec, options: o, scratch });
      opened.push(detector);
      const dictionary = options.dictionary ?? rec.files['dict.txt'];
      const recognizer = await TextRecognizer.create(rec.path, { session, spec: recInputSpec(rec.card), dictionary, options: o, scratch, lines });
      opened.push(recognizer);
      let classifier: AngleClassifier | undefined;
      if (o.useAngleCls) {
        const cls = await resolveModelSource('clsModel', options.clsModel, fetchOptions);
        classifier = await AngleClassifier.create(cls.path, { session, spec: clsInputSpec(cls.card), options: o, scratch, lines });
        opened.push(classifier);
      }
      return new Ocr(detector, recognizer, classifier, scratch, o);
    } catch (err) {
      await Promise.all(opened.map((s) => s.release()));
      throw err;
    }
  }

  /** Detects and recognises all text lines of one image. */
  run(input: OcrInput): Promise<OcrResult> {
    return this.serial.run(() => this.runOne(input));
  }

  /**
   * Runs {@link run} over several images, one after the other (onnxruntime already uses
   * every core inside one run), reporting `ocr batch` progress in images.
   */
  runBatch(inputs: readonly OcrInput[], options: { onProgress?: ProgressCallback } = {}): Promise<OcrResult[]> {
    if (!Array.isArray(inputs)) throw new InvalidArgumentError('Ocr.runBatch: inputs must be an array');
    return this.serial.run(async () => {
      const task = 'ocr batch';
      emitProgress(options.onProgress, { task, phase: 'start', done: 0, total: inputs.length, unit: 'images' });
      const results: OcrResult[] = [];
      try {
        for (const input of inputs) {
          results.push(await this.runOne(input));
          emitProgress(options.onProgress, { task, phase: 'progress', done: results.length, total: inputs.length, unit: 'images' });
        }
      } finally {
        emitProgress(options.onProgress, { task, phase: 'end', done: results.length, total: inputs.length, unit: 'images' });
      }
      return results;
    });
  }

  /** Text detection only: boxes in reading order, in input pixels. */
  detect(input: OcrInput): Promise<DetectResult> {
    return this.serial.run(async () => {
      const t0 = performance.now();
      const ort0 = this.detector.stats.runMs;
      const img = await toRgbImage(input);
      const t1 = performance.now();
      const boxes = await this.detector.detect(img);
      const t2 = performance.now();
      return {
        boxes,
        width: img.width,
        height: img.height,
        timings: { decode: t1 - t0, det: t2 - t1, inference: this.detector.stats.runMs - ort0 },
      };
    });
  }

  /**
   * Recognises images that each hold one text line (crops), with the angle classifier
   * first when it is enabled (`options.cls: false` skips it, as PaddleOCR's rec-only
   * mode). No detection and no `dropScore` filtering: one result per crop, in input order.
   */
  recognize(crops: readonly OcrInput[], options: { cls?: boolean } = {}): Promise<RecognizedText[]> {
    if (!Array.isArray(crops)) throw new InvalidArgumentError('Ocr.recognize: crops must be an array');
    return this.serial.run(async () => {
      const images: RgbImage[] = [];
      for (const crop of crops) images.push(await toRgbImage(crop));
      const angles = options.cls === false ? images.map(() => ({ angle: 0 as const })) : await this.classify(images);
      return this.readUpright(images, angles);
    });
  }

  /** Cumulative onnxruntime statistics per model since creation (for benchmarks). */
  stats(): { det: RunStats; cls: RunStats; rec: RunStats } {
    const s = (x: { stats: SessionStats } | undefined): RunStats => (x ? { ...x.stats } : { runs: 0, runMs: 0 });
    return { det: s(this.detector), cls: s(this.classifier), rec: s(this.recognizer) };
  }

  /** The onnxruntime options the models were loaded with. */
  get sessionOptions(): Readonly<SessionOptions> {
    return this.detector.sessionOptions;
  }

  /** Releases the onnxruntime sessions after a run in progress. Idempotent; later calls fail with E_SESSION_RELEASED. */
  dispose(): Promise<void> {
    return this.serial.dispose(async () => {
      await Promise.all([this.detector.release(), this.recognizer.release(), this.classifier?.release()]);
    });
  }

  private inferenceTotals(): RunStats {
    const s = this.stats();
    return { runs: s.det.runs + s.cls.runs + s.rec.runs, runMs: s.det.runMs + s.cls.runMs + s.rec.runMs };
  }

  private async runOne(input: OcrInput): Promise<OcrResult> {
    const t0 = performance.now();
    const ort0 = this.inferenceTotals();
    const fill0 = this.scratch.fillMs;
    const img = await toRgbImage(input);
    const t1 = performance.now();
    const boxes: DetectedBox[] = await this.detector.detect(img);
    const t2 = performance.now();
    const crops = boxes.map((b) => cropLine(img, b.box, this.options.cropInterpolation));
    const t3 = performance.now();
    const angles = await this.classify(crops);
    const t4 = performance.now();
    const texts = await this.readUpright(crops, angles);
    const t5 = performance.now();
    const lines: OcrLine[] = [];
    texts.forEach((t, i) => {
      if (t.score < this.options.dropScore) return;
      const line: OcrLine = { text: t.text, score: t.score, box: boxes[i].box };
      if (boxes[i].polygon) line.polygon = boxes[i].polygon;
      lines.push(line);
    });
    const ort1 = this.inferenceTotals();
    const total = performance.now() - t0;
    const inference = ort1.runMs - ort0.runMs;
    // Preprocessing: filling the model inputs (resize, normalise) and warping the line crops.
    const preprocess = this.scratch.fillMs - fill0 + (t3 - t2);
    const timings: OcrTimings = {
      decode: t1 - t0,
      preprocess,
      inference,
      postprocess: Math.max(0, total - (t1 - t0) - preprocess - inference),
      total,
      det: t2 - t1,
      crop: t3 - t2,
      cls: t4 - t3,
      rec: t5 - t4,
      inferenceRuns: ort1.runs - ort0.runs,
    };
    return { lines, width: img.width, height: img.height, timings };
  }

  /** The classifier's decision per crop, or all upright when it is off. */
  private classify(crops: readonly RgbImage[]): Promise<Angle[]> {
    if (this.classifier === undefined) return Promise.resolve(crops.map(() => ({ angle: 0 })));
    return this.classifier.classify(crops);
  }

  /**
   * Recognises crops turned as `angles` says. With `clsVerify`, each crop the classifier
   * turned is also read as it came and keeps whichever reading scores higher: the mobile
   * v2 classifier turns some upright crops (3 of 63 lines of ../shared/data/ocr, e.g. a
   * curved word and "Card Savings"), and the recogniser's own confidence catches them.
   */
  private async readUpright(crops: readonly RgbImage[], angles: Angle[]): Promise<RecognizedText[]> {
    const upright = crops.map((c, i) => (angles[i].angle === 180 ? rotateImage(c, 180) : c));
    const texts: RecognizedText[] = (await this.recognizer.recognize(upright)).map((t, i) => ({ ...t, ...angles[i] }));
    const turned = angles.flatMap((a, i) => (a.angle === 180 ? [i] : []));
    if (this.options.clsVerify && turned.length > 0) {
      const asIs = await this.recognizer.recognize(turned.map((i) => crops[i]));
      turned.forEach((i, k) => {
        if (asIs[k].score > texts[i].score) texts[i] = { ...asIs[k], angle: 0, angleScore: angles[i].angleScore };
      });
    }
    return texts;
  }
}
