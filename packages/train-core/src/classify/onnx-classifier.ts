import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, InferenceSession, ModelError, type ImageInput, type SessionOptions } from '@modelkit/core';
import { CLASSIFIER_FILES } from './export-classifier';
import { loadClassifierImage } from './preprocess';

/** One class and its probability. */
export interface ClassScore {
  label: string;
  index: number;
  score: number;
}

/** Options of {@link OnnxClassifier.create}. */
export interface OnnxClassifierOptions {
  /** Class names; default `labels.json` next to the model. */
  labels?: string[];
  session?: SessionOptions;
}

/**
 * Runs a classifier exported by `train classify` on onnxruntime (core's InferenceSession):
 * the same decode + resize as training, values /255, NHWC, softmax output.
 */
export class OnnxClassifier {
  private constructor(
    private readonly session: InferenceSession,
    readonly labels: string[],
    readonly size: number,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  /**
   * Loads `model.onnx` and its labels.
   * @throws ModelError `E_FILE_NOT_FOUND` (model or labels.json missing), `E_MODEL_FORMAT`
   *   when the model is not a square NHWC RGB classifier whose output matches the labels.
   */
  static async create(modelPath: string, options: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
    const labels = options.labels ?? (await readLabels(join(dirname(modelPath), CLASSIFIER_FILES.labels)));
    const session = await InferenceSession.create(modelPath, options.session);
    try {
      const input = session.inputs[0];
      const output = session.outputs[0];
      const shape = input?.shape;
      const [h, w, c] = shape ? shape.slice(1) : [];
      if (!input || !output || shape?.length !== 4 || typeof h !== 'number' || h !== w || c !== 3) {
        throw new ModelError(ErrorCodes.MODEL_FORMAT, `${modelPath} is not an NHWC RGB classifier (input ${input?.name} [${shape ?? '?'}])`, { details: { file: modelPath } });
      }
      const classes = output.shape?.[1];
      if (typeof classes === 'number' && classes !== labels.length) {
        throw new ModelError(ErrorCodes.MODEL_FORMAT, `${modelPath} has ${classes} outputs but there are ${labels.length} labels`, { details: { file: modelPath } });
      }
      return new OnnxClassifier(session, labels, h, input.name, output.name);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Class probabilities of one image, highest first. */
  async classify(image: ImageInput): Promise<ClassScore[]> {
    const [probs] = await this.probabilities([image]);
    return Array.from(probs!, (score, index) => ({ label: this.labels[index] ?? String(index), index, score })).sort((a, b) => b.score - a.score);
  }

  /** Raw probabilities `[images][classes]`, in one batch. */
  async probabilities(images: ImageInput[]): Promise<Float32Array[]> {
    const s = this.size;
    const x = new Float32Array(images.length * s * s * 3);
    for (let i = 0; i < images.length; i++) {
      const rgb = await loadClassifierImage(images[i]!, s);
      const off = i * s * s * 3;
      for (let k = 0; k < rgb.data.length; k++) x[off + k] = rgb.data[k]! / 255;
    }
    const out = await this.session.run({ [this.inputName]: { data: x, dims: [images.length, s, s, 3] } });
    const probs = out[this.outputName]!.data as Float32Array;
    const n = probs.length / images.length;
    return images.map((_, i) => probs.slice(i * n, (i + 1) * n));
  }

  /** Releases the onnxruntime session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

async function readLabels(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `no labels file ${path} (train classify writes it next to model.onnx)`, { cause: err, details: { file: path } });
  }
  let labels: unknown;
  try {
    labels = JSON.parse(text);
  } catch {
    labels = undefined;
  }
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new ModelError(ErrorCodes.BAD_JSON, `${path} must be a JSON array of class names`, { details: { file: path } });
  }
  return labels;
}
