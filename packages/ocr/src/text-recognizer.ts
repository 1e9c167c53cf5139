import { ErrorCodes, InferenceSession, InvalidArgumentError, ModelkitError, readOnnx } from '@modelkit/core';
import type { RgbImage, SessionOptions, SessionStats } from '@modelkit/core';
import { aspectRatio, planBatches, recBatchWidth } from './batching';
import { ctcCollapse, ctcGreedyDecode } from './ctc-decode';
import type { DecodedText } from './ctc-decode';
import { loadDictionary } from './dictionary';
import { addGreedyOutputs } from './greedy-head';
import type { GreedyOutputs } from './greedy-head';
import type { LineInputSpec } from './input-spec';
import type { LineImages } from './line-images';
import { lineEncoding, lineResizeWidth, writeLineTensor } from './line-tensor';
import type { LineEncoding } from './line-tensor';
import { checkModelSignature } from './model-signature';
import { optionLabel } from './model-slots';
import type { ScratchTensors } from './scratch-tensors';

/** What {@link TextRecognizer} needs of the OCR options. */
export interface RecognizerOptions {
  /** Crops per width-sharing batch. */
  recBatchSize: number;
  /** Minimum input width. */
  recMinWidth: number;
  /** The dictionary has a trailing space class. */
  useSpaceChar: boolean;
}

type Feeds = Record<string, { data: Float32Array; dims: number[] }>;

/**
 * The CTC recognition stage (PaddleOCR `TextRecognizer`): crops resized to the card's line
 * height in aspect-sorted batches, greedy CTC decoding (its argmax inside the model when
 * the output shape allows), and the dictionary that names the classes.
 */
export class TextRecognizer {
  private readonly encoding: LineEncoding;

  private constructor(
    private readonly session: InferenceSession,
    /** Recognizer classes: blank at 0, dictionary, space. */
    readonly charset: readonly string[],
    private readonly greedy: GreedyOutputs | undefined,
    private readonly spec: LineInputSpec,
    private readonly options: Readonly<RecognizerOptions>,
    private readonly buffers: { scratch: ScratchTensors; lines: LineImages },
  ) {
    this.encoding = lineEncoding(spec);
  }

  /**
   * Opens the recognizer, checks it is one, and loads its dictionary.
   * @throws ModelError `E_MODEL_FORMAT` when the model is not a CTC line recognizer,
   *   `E_MODEL_INVALID` when the dictionary does not fit its classes.
   * @throws InvalidArgumentError when there is no dictionary.
   */
  static async create(
    path: string,
    o: {
      session: SessionOptions;
      spec: LineInputSpec;
      dictionary: string | undefined;
      options: Readonly<RecognizerOptions>;
      scratch: ScratchTensors;
      lines: LineImages;
    },
  ): Promise<TextRecognizer> {
    // Greedy CTC's argmax runs inside the model (see addGreedyOutputs).
    const model = await readOnnx(path);
    const greedy = addGreedyOutputs(model);
    const session = await InferenceSession.create(model, { ...o.session, name: path });
    try {
      const added = greedy === undefined ? [] : [greedy.indices, greedy.scores];
      const outputs = session.outputs.filter((t) => !added.includes(t.name));
      checkModelSignature('recModel', { name: path, inputs: session.inputs, outputs }, { height: o.spec.height });
      // After the model check: a wrong model is the better explanation of a missing dictionary.
      if (!o.dictionary) {
        throw new InvalidArgumentError(`Ocr.create: ${optionLabel('recModel')} was given without a dictionary; pass ${optionLabel('dictionary')}`);
      }
      const charset = await loadDictionary(o.dictionary, { useSpace: o.options.useSpaceChar });
      if (greedy?.classes !== undefined && greedy.classes !== charset.length) throw classMismatch(greedy.classes, charset.length, o.options.useSpaceChar);
      return new TextRecognizer(session, charset, greedy, o.spec, o.options, { scratch: o.scratch, lines: o.lines });
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Cumulative onnxruntime statistics. */
  get stats(): SessionStats {
    return this.session.stats;
  }

  /** Reads each crop as it is (no turning), in input order. */
  async recognize(crops: readonly RgbImage[]): Promise<DecodedText[]> {
    const result: DecodedText[] = crops.map(() => ({ text: '', score: 0 }));
    if (crops.length === 0) return result;
    const o = this.options;
    const { height } = this.spec;
    const input = this.session.inputs[0].name;
    const output = this.session.outputs[0].name;
    const ratios = crops.map(aspectRatio);
    for (const batch of planBatches(ratios, o.recBatchSize)) {
      const width = recBatchWidth(
        batch.map((i) => ratios[i]),
        height,
        o.recMinWidth,
      );
      // Each crop keeps its batch's width (so the text is PaddleOCR's, padding included) but
      // runs alone: batch items are independent, the logits came out bit-identical, and six
      // 1x3x48xW runs took 4-19% less time than one 6x3x48xW run here (a smaller working set,
      // we think; measured in tools/bench/ocr-peers/README.md).
      for (const i of batch) {
        const crop = crops[i];
        const tensor = this.buffers.scratch.timeFill(() => {
          const t = this.buffers.scratch.floats('line', 3 * height * width).fill(0);
          const w = lineResizeWidth(crop.width, crop.height, height, width);
          writeLineTensor(this.buffers.lines.resized(crop, w, height), t, 0, width, this.encoding);
          return t;
        });
        const feeds = { [input]: { data: tensor, dims: [1, 3, height, width] } };
        result[i] = await this.decodeLine(feeds, output);
      }
    }
    return result;
  }

  /** Releases the session. */
  release(): Promise<void> {
    return this.session.release();
  }

  /** Runs the recognizer on one line tensor and decodes it (greedy CTC). */
  private async decodeLine(feeds: Feeds, output: string): Promise<DecodedText> {
    const g = this.greedy;
    const classes = this.charset;
    const useSpace = this.options.useSpaceChar;
    if (g !== undefined) {
      const out = await this.session.run(feeds, [g.indices, g.scores]);
      try {
        return ctcCollapse(out[g.indices].data as BigInt64Array, out[g.scores].data as Float32Array, classes);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw classMismatch(g.classes, classes.length, useSpace, err.message);
      }
    }
    const out = await this.session.run(feeds, [output]);
    const { data, dims } = out[output];
    if (dims[2] !== classes.length) throw classMismatch(dims[2], classes.length, useSpace);
    return ctcGreedyDecode(data as Float32Array, dims[1], classes, 0);
  }
}

function classMismatch(modelClasses: number | undefined, dictionaryClasses: number, useSpace: boolean, seen?: string): ModelkitError {
  const has = modelClasses === undefined ? `output ${seen ?? 'a class outside the dictionary'}` : `has ${modelClasses} classes`;
  return new ModelkitError(
    ErrorCodes.MODEL_INVALID,
    `The recognizer ${has} but the dictionary gives ${dictionaryClasses} (blank + characters${useSpace ? ' + space' : ''}); pass the recognizer's own dictionary`,
    { details: { modelClasses, dictionaryClasses } },
  );
}
