/** A head exported by `videotag train`, run on onnxruntime. */
import { ErrorCodes, InferenceSession, ModelError, resolveModel, type ModelCard, type ProgressCallback, type SessionOptions } from '@modelkit/core';
import { headSpecOf, type HeadInputSpec } from './head-spec';

/** A loaded head: its card, its input spec and its session. */
export class TrainedHead {
  private constructor(
    readonly card: ModelCard,
    readonly spec: HeadInputSpec,
    readonly labels: readonly string[],
    private readonly session: InferenceSession,
  ) {}

  /**
   * Resolves a head (registry id, folder with `model.card.json`, card file, URL#sha256=HEX)
   * with core's resolver and loads it.
   * @throws ModelError `E_MODEL_FORMAT` when it is not a videotag head; resolver errors otherwise.
   */
  static async load(source: string, options: { session?: SessionOptions; onProgress?: ProgressCallback; what?: string } = {}): Promise<TrainedHead> {
    const what = options.what ?? 'model (--model)';
    const resolved = await resolveModel(source, { what, onProgress: options.onProgress });
    const spec = headSpecOf(resolved.card, what);
    const path = resolved.paths['model.onnx'];
    if (!path) throw new ModelError(ErrorCodes.MODEL_FORMAT, `${what}: the card of ${resolved.card.id} has no model.onnx file`, { details: { model: resolved.card.id } });
    const session = await InferenceSession.create(path, { threads: 1, spinning: false, ...options.session });
    const dim = spec.modalities.reduce((s, m) => s + m.dim, 0);
    const input = session.inputs.find((i) => i.name === 'features');
    const shape = input?.shape ?? [];
    if (!input || shape[1] !== spec.segments || shape[2] !== dim || !session.outputs.some((o) => o.name === 'probs')) {
      await session.release();
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `${what}: ${path} does not take features [N, ${spec.segments}, ${dim}] to probs as its card says`, { details: { file: path } });
    }
    return new TrainedHead(resolved.card, spec, resolved.card.labels ?? [], session);
  }

  /** Label probabilities of one `[segments, features]` sequence. */
  async predict(sequence: Float32Array): Promise<Float32Array> {
    const dim = sequence.length / this.spec.segments;
    const out = await this.session.run({ features: { data: sequence, dims: [1, this.spec.segments, dim] } });
    return out.probs.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
