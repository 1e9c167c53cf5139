/**
 * The teacher of knowledge distillation (`train classify --teacher`): an ONNX image
 * classifier — typically a `model.onnx` that `train classify` exported, e.g. a fine-tuned
 * MobileNetV2 — run in onnxruntime (core's InferenceSession). It never trains: it only
 * turns the student's (augmented) training images into soft targets.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ErrorCodes,
  InferenceSession,
  InvalidArgumentError,
  isModelkitError,
  ModelError,
  resolveModel,
  sha256File,
  type ModelCard,
  type SessionOptions,
} from '@modelkit/core';
import { CLASSIFIER_FILES } from './export-classifier';

/** What names the `--teacher` option in messages. */
const WHAT = 'teacher (--teacher)';

/** A teacher resolved to a local file, before it is loaded. */
export interface ResolvedTeacher {
  /** The source as given: an `.onnx` file, a run folder (with `model.card.json`) or a registry id. */
  source: string;
  /** Absolute path of the ONNX file. */
  path: string;
  /** sha256 of the ONNX file: what a resume compares. */
  sha256: string;
  /** Class names: the card's labels, or `labels.json` next to a bare file. */
  labels: string[];
  /** The card (a bare file gets a minimal one), for its input spec. */
  card: ModelCard;
}

/**
 * Resolves `--teacher` through core's `resolveModel`: an `.onnx` file (labels from
 * `labels.json` next to it, as `train classify` writes them), a folder written by
 * `train classify` (its `model.card.json`, sha256-checked), a card file or a registry id.
 *
 * @throws ModelkitError `E_FILE_NOT_FOUND` (no such file, or no class names), `E_MODEL_NOT_FOUND`,
 *   `E_CHECKSUM_MISMATCH` and the other errors of `resolveModel`; ModelError `E_MODEL_FORMAT`
 *   when the model has no ONNX file or wants normalised / channels-first input.
 */
export async function resolveTeacher(source: string): Promise<ResolvedTeacher> {
  const resolved = await resolveModel(source, { what: WHAT, fileName: CLASSIFIER_FILES.onnx });
  const path = resolved.paths[CLASSIFIER_FILES.onnx] ?? Object.values(resolved.paths).find((p) => /\.onnx$/i.test(p));
  if (!path) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `${WHAT}: ${source} has no .onnx file (files: ${Object.keys(resolved.paths).join(', ') || 'none'})`, {
      details: { teacher: source },
    });
  }
  // Anything but train classify's contract (NHWC RGB in [0, 1]) would be fed wrong pixels silently.
  const input = resolved.card.input ?? {};
  const layout = input.layout;
  if ((layout !== undefined && layout !== 'nhwc') || input.mean !== undefined || input.std !== undefined || (input.scale !== undefined && Math.abs(Number(input.scale) - 1 / 255) > 1e-9)) {
    throw new ModelError(
      ErrorCodes.MODEL_FORMAT,
      `${WHAT}: ${source} wants ${JSON.stringify(input)} as input; a teacher must take NHWC RGB images in [0, 1] like the model.onnx of train classify`,
      { details: { teacher: source, input } },
    );
  }
  const labels = resolved.card.labels ?? (await readTeacherLabels(join(dirname(path), CLASSIFIER_FILES.labels), source));
  return { source, path, sha256: await sha256File(path), labels, card: resolved.card };
}

async function readTeacherLabels(file: string, source: string): Promise<string[]> {
  if (!existsSync(file)) {
    throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `${WHAT}: ${source} has no class names: put its labels.json (a JSON array) next to it, or give its run folder`, {
      details: { teacher: source, file },
    });
  }
  let labels: unknown;
  try {
    labels = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    labels = undefined;
  }
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new ModelError(ErrorCodes.BAD_JSON, `${WHAT}: ${file} must be a JSON array of class names`, { details: { teacher: source, file } });
  }
  return labels;
}

/**
 * Where each student class sits in the teacher's output: `order[k]` is the teacher's index of
 * student class `k`. The names must be the same set; the order may differ.
 *
 * @throws InvalidArgumentError `E_INVALID_ARGUMENT` naming the classes only one side has
 *   (`details.onlyTeacher`, `details.onlyStudent`).
 */
export function matchTeacherClasses(teacherLabels: readonly string[], studentClasses: readonly string[]): number[] {
  const index = new Map(teacherLabels.map((l, i) => [l, i] as const));
  const onlyStudent = studentClasses.filter((c) => !index.has(c));
  const student = new Set(studentClasses);
  const onlyTeacher = teacherLabels.filter((l) => !student.has(l));
  if (onlyStudent.length || onlyTeacher.length || index.size !== teacherLabels.length) {
    const parts = [
      onlyStudent.length ? `the data has ${onlyStudent.join(', ')} which the teacher does not know` : '',
      onlyTeacher.length ? `the teacher has ${onlyTeacher.join(', ')} which the data does not` : '',
      index.size !== teacherLabels.length ? 'the teacher repeats a class name' : '',
    ].filter(Boolean);
    throw new InvalidArgumentError(`${WHAT}: its classes differ from the data's: ${parts.join('; ')} (teacher: ${teacherLabels.join(', ')}; data: ${studentClasses.join(', ')})`, {
      details: { onlyTeacher, onlyStudent, teacherClasses: [...teacherLabels], dataClasses: [...studentClasses] },
    });
  }
  return studentClasses.map((c) => index.get(c)!);
}

// log(max(p, LOG_FLOOR)): an exact 0 (a float32 softmax underflows for logit gaps past ~100)
// must not become -Infinity, whose 0·(-Infinity) would make the KL NaN. 1e-30 is far below
// what a tempered softmax can see (distillationLoss).
const LOG_FLOOR = 1e-30;
// A softmax row sums to 1 up to float32 rounding; an exported classifier's rows did to ~1e-7.
const SUM_TOLERANCE = 1e-3;

/**
 * A loaded teacher: runs batches of NHWC images in [0, 1] at its own size and returns
 * the log of its probabilities in the student's class order (its "logits": softmax of
 * log p / T is the tempered distribution).
 */
export class Teacher {
  private constructor(
    private readonly session: InferenceSession,
    /** What was resolved (path, sha256, labels). */
    readonly resolved: ResolvedTeacher,
    /** Input height and width of the teacher. */
    readonly height: number,
    readonly width: number,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly order: number[],
  ) {}

  /**
   * Loads the teacher's ONNX file and checks it against the student's classes.
   *
   * @param fallbackSize - input side when the model's spatial axes are symbolic.
   * @throws ModelError `E_MODEL_FORMAT` when the file is not ONNX onnxruntime loads, its input
   *   is not `[N, H, W, 3]`, or its output is not `[N, classes]` with one value per label;
   *   InvalidArgumentError `E_INVALID_ARGUMENT` when its classes differ from `studentClasses`.
   */
  static async load(resolved: ResolvedTeacher, studentClasses: readonly string[], options: { session?: SessionOptions; fallbackSize: number }): Promise<Teacher> {
    let session: InferenceSession;
    try {
      // One thread without spinning by default: the student trains on the same cores.
      session = await InferenceSession.create(resolved.path, { threads: 1, spinning: false, name: `teacher ${resolved.source}`, ...options.session });
    } catch (err) {
      if (isModelkitError(err, ErrorCodes.MODEL_FORMAT)) {
        throw new ModelError(ErrorCodes.MODEL_FORMAT, `${WHAT}: ${resolved.path} is not an ONNX model onnxruntime can load (${(err as Error).message})`, {
          cause: err,
          details: { teacher: resolved.source, file: resolved.path },
        });
      }
      throw err;
    }
    try {
      const input = session.inputs[0];
      const output = session.outputs[0];
      const inShape = input?.shape;
      if (!input || inShape?.length !== 4 || inShape[3] !== 3 || input.dataType !== 'float32') {
        throw new ModelError(
          ErrorCodes.MODEL_FORMAT,
          `${WHAT}: ${resolved.path} takes ${input ? `${input.name} [${inShape ?? '?'}] ${input.dataType}` : 'no input'}; a teacher takes float32 [N, H, W, 3] RGB images in [0, 1] like train classify's model.onnx`,
          { details: { teacher: resolved.source, file: resolved.path, input: inShape } },
        );
      }
      const outShape = output?.shape;
      const classes = outShape?.[1];
      if (!output || outShape?.length !== 2 || (typeof classes === 'number' && classes !== resolved.labels.length)) {
        throw new ModelError(
          ErrorCodes.MODEL_FORMAT,
          `${WHAT}: ${resolved.path} outputs ${output ? `${output.name} [${outShape ?? '?'}]` : 'nothing'}; a teacher outputs probabilities [N, ${resolved.labels.length}], one per class name`,
          { details: { teacher: resolved.source, file: resolved.path, output: outShape, labels: resolved.labels.length } },
        );
      }
      const order = matchTeacherClasses(resolved.labels, studentClasses);
      const side = (d: number | string | null): number => (typeof d === 'number' && d > 0 ? d : options.fallbackSize);
      const cardSide = (key: 'height' | 'width'): number | undefined => {
        const v = resolved.card.input?.[key];
        return typeof v === 'number' && v > 0 ? v : undefined;
      };
      const height = typeof inShape[1] === 'number' ? side(inShape[1]) : (cardSide('height') ?? options.fallbackSize);
      const width = typeof inShape[2] === 'number' ? side(inShape[2]) : (cardSide('width') ?? options.fallbackSize);
      return new Teacher(session, resolved, height, width, input.name, output.name, order);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Number of classes (the student's). */
  get numClasses(): number {
    return this.order.length;
  }

  /** Seconds spent inside onnxruntime so far. */
  get seconds(): number {
    return this.session.stats.runMs / 1000;
  }

  /**
   * Teacher logits (log-probabilities, student class order) of `n` images packed NHWC at
   * the teacher's size: `n × C` values.
   *
   * @throws ModelError `E_MODEL_FORMAT` when the output has the wrong size or is not a probability distribution per image.
   */
  async logits(x: Float32Array, n: number): Promise<Float32Array> {
    const out = await this.session.run({ [this.inputName]: { data: x, dims: [n, this.height, this.width, 3] } }, [this.outputName]);
    const probs = out[this.outputName]!.data as Float32Array;
    const T = this.resolved.labels.length;
    const C = this.order.length;
    if (probs.length !== n * T) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `${WHAT}: ${this.resolved.path} returned ${probs.length} values for ${n} images, expected ${n * T}`, {
        details: { teacher: this.resolved.source },
      });
    }
    const logits = new Float32Array(n * C);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let bad = false;
      for (let t = 0; t < T; t++) {
        const p = probs[i * T + t]!;
        if (!(p >= -1e-6)) bad = true;
        sum += p;
      }
      if (bad || Math.abs(sum - 1) > SUM_TOLERANCE) {
        throw new ModelError(
          ErrorCodes.MODEL_FORMAT,
          `${WHAT}: ${this.resolved.path} does not output probabilities (an image's outputs sum to ${sum.toPrecision(4)}${bad ? ', some negative or NaN' : ''}); a teacher must end in a softmax, like train classify's model.onnx`,
          { details: { teacher: this.resolved.source, sum } },
        );
      }
      for (let k = 0; k < C; k++) logits[i * C + k] = Math.log(Math.max(probs[i * T + this.order[k]!]!, LOG_FLOOR));
    }
    return logits;
  }

  /** Releases the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
