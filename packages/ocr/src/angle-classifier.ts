import { InferenceSession } from '@modelkit/core';
import type { RgbImage, SessionOptions, SessionStats } from '@modelkit/core';
import { aspectRatio, planBatches } from './batching';
import type { ClsInputSpec } from './input-spec';
import type { LineImages } from './line-images';
import { lineEncoding, lineResizeWidth, writeLineTensor } from './line-tensor';
import type { LineEncoding } from './line-tensor';
import { checkModelSignature } from './model-signature';
import type { ScratchTensors } from './scratch-tensors';

/** A crop's turn before recognition and the classifier's p(180°). */
export type Angle = { angle: 0 | 180; angleScore?: number };

/** What {@link AngleClassifier} needs of the OCR options. */
export interface ClassifierOptions {
  /** p(180°) needed to turn a crop. */
  clsThresh: number;
  /** Crops per run. */
  clsBatchSize: number;
}

/**
 * The 0°/180° text-direction classifier stage (PaddleOCR `TextClassifier`): crops resized
 * to the card's line size in aspect-sorted batches, one run per batch.
 */
export class AngleClassifier {
  private readonly encoding: LineEncoding;

  private constructor(
    private readonly session: InferenceSession,
    private readonly spec: ClsInputSpec,
    private readonly options: Readonly<ClassifierOptions>,
    private readonly buffers: { scratch: ScratchTensors; lines: LineImages },
  ) {
    this.encoding = lineEncoding(spec);
  }

  /**
   * Opens the classifier and checks it is one.
   * @throws ModelError `E_MODEL_FORMAT` when the model is not a two-class line classifier.
   */
  static async create(
    path: string,
    o: { session: SessionOptions; spec: ClsInputSpec; options: Readonly<ClassifierOptions>; scratch: ScratchTensors; lines: LineImages },
  ): Promise<AngleClassifier> {
    const session = await InferenceSession.create(path, o.session);
    try {
      checkModelSignature('clsModel', session, { height: o.spec.height, width: o.spec.width });
    } catch (err) {
      await session.release();
      throw err;
    }
    return new AngleClassifier(session, o.spec, o.options, { scratch: o.scratch, lines: o.lines });
  }

  /** Cumulative onnxruntime statistics. */
  get stats(): SessionStats {
    return this.session.stats;
  }

  /** The decision per crop: 180 when the classifier finds the crop upside down. */
  async classify(crops: readonly RgbImage[]): Promise<Angle[]> {
    const result: Angle[] = crops.map(() => ({ angle: 0 }));
    if (crops.length === 0) return result;
    const o = this.options;
    const { height, width } = this.spec;
    const input = this.session.inputs[0].name;
    const output = this.session.outputs[0].name;
    for (const batch of planBatches(crops.map(aspectRatio), o.clsBatchSize)) {
      const tensor = this.buffers.scratch.timeFill(() => {
        const t = this.buffers.scratch.floats('line', batch.length * 3 * height * width).fill(0);
        for (let b = 0; b < batch.length; b++) {
          const crop = crops[batch[b]];
          const w = lineResizeWidth(crop.width, crop.height, height, width);
          writeLineTensor(this.buffers.lines.resized(crop, w, height), t, b, width, this.encoding);
        }
        return t;
      });
      const out = await this.session.run({ [input]: { data: tensor, dims: [batch.length, 3, height, width] } }, [output]);
      const probs = out[output].data as Float32Array;
      const classes = out[output].dims[1];
      for (let b = 0; b < batch.length; b++) {
        const p0 = probs[b * classes];
        const p180 = probs[b * classes + 1];
        const i = batch[b];
        // PaddleOCR turns a crop only when the winning label is 180 and beats cls_thresh.
        const turn = p180 > p0 && p180 > o.clsThresh;
        result[i] = { angle: turn ? 180 : 0, angleScore: p180 };
      }
    }
    return result;
  }

  /** Releases the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
