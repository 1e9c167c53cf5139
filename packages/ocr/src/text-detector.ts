import { InferenceSession, fitSize, resizeToTensor, sortQuadsReadingOrder } from '@modelkit/core';
import type { RgbImage, SessionOptions, SessionStats } from '@modelkit/core';
import { dbPostprocess } from './db-postprocess';
import type { DbOptions } from './db-postprocess';
import type { DetInputSpec } from './input-spec';
import { checkModelSignature } from './model-signature';
import { clipQuad, orderQuad } from './quad';
import type { ScratchTensors } from './scratch-tensors';
import type { DetectedBox, LimitType } from './types';

/** What {@link TextDetector} needs of the OCR options: DB post-processing, input size, line grouping. */
export type DetectorOptions = Required<DbOptions> & { limitSideLen: number; limitType: LimitType; lineTolerance: number };

/**
 * The DB text detector stage (PaddleOCR `TextDetector`): resize and normalise the image
 * as the model card says, run the model, turn its probability map into boxes, and filter
 * and order them.
 */
export class TextDetector {
  private constructor(
    private readonly session: InferenceSession,
    private readonly spec: DetInputSpec,
    private readonly options: Readonly<DetectorOptions>,
    private readonly scratch: ScratchTensors,
  ) {}

  /**
   * Opens the detector and checks it is one.
   * @throws ModelError `E_MODEL_FORMAT` when the model is not a DB detector.
   */
  static async create(
    path: string,
    o: { session: SessionOptions; spec: DetInputSpec; options: Readonly<DetectorOptions>; scratch: ScratchTensors },
  ): Promise<TextDetector> {
    const session = await InferenceSession.create(path, o.session);
    try {
      checkModelSignature('detModel', session);
    } catch (err) {
      await session.release();
      throw err;
    }
    return new TextDetector(session, o.spec, o.options, o.scratch);
  }

  /** Cumulative onnxruntime statistics. */
  get stats(): SessionStats {
    return this.session.stats;
  }

  /** The onnxruntime options the model was loaded with. */
  get sessionOptions(): Readonly<SessionOptions> {
    return this.session.options;
  }

  /** Text boxes of one image in reading order, in image pixels. */
  async detect(img: RgbImage): Promise<DetectedBox[]> {
    const o = this.options;
    const { layout, channelOrder, mean, std, multipleOf } = this.spec;
    const size = fitSize(img.width, img.height, { limitSideLen: o.limitSideLen, limitType: o.limitType, multipleOf });
    // cv2-exact resize and normalisation in one pass (same floats as resize, then imageToTensor).
    const data = this.scratch.timeFill(() =>
      resizeToTensor(img, size.width, size.height, { layout, channelOrder, mean, std, out: this.scratch.floats('det', 3 * size.width * size.height) }),
    );
    const input = this.session.inputs[0].name;
    const output = this.session.outputs[0].name;
    const out = await this.session.run({ [input]: { data, dims: [1, 3, size.height, size.width] } }, [output]);
    const map = out[output];
    const [, , mh, mw] = map.dims;
    const found = dbPostprocess({ data: map.data as Float32Array, width: mw, height: mh }, img.width, img.height, o);
    const kept: DetectedBox[] = [];
    for (const b of found) {
      // PaddleOCR `filter_tag_det_res`: order corners, clip inside the image, drop slivers.
      const box = clipQuad(orderQuad(b.box), img.width, img.height);
      if (o.boxType === 'quad') {
        const w = Math.trunc(Math.hypot(box[0][0] - box[1][0], box[0][1] - box[1][1]));
        const h = Math.trunc(Math.hypot(box[0][0] - box[3][0], box[0][1] - box[3][1]));
        if (w <= 3 || h <= 3) continue;
      }
      const d: DetectedBox = { box, score: b.score };
      if (b.polygon) {
        d.polygon = b.polygon.map(([x, y]) => [Math.min(Math.max(x, 0), img.width - 1), Math.min(Math.max(y, 0), img.height - 1)]);
      }
      kept.push(d);
    }
    const order = sortQuadsReadingOrder(
      kept.map((k) => k.box),
      o.lineTolerance,
    );
    return order.map((i) => kept[i]);
  }

  /** Releases the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
