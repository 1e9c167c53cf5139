/**
 * Stage one of VideoTag, image modelling: each sampled frame becomes a 1280-d MobileNetV2
 * embedding (and nsfwjs' five content-class probabilities, from the same forward pass).
 * Preprocessing follows TSN's test transform: short side 256, centre crop 224.
 */
import { cropImage, InferenceSession, ModelError, ErrorCodes, resizeToTensor, type RgbImage, type SessionOptions } from '@modelkit/core';

/** The embedder's input side and the short side a crop is cut from (TSN: 224 of 256). */
export const EMBED_SIZE = 224;
const CROP_OF = 256;

/** Features of a batch of frames. */
export interface FrameEmbeddings {
  /** One 1280-d embedding per frame. */
  embeddings: Float32Array[];
  /** One 5-class probability vector per frame (drawing, hentai, neutral, porn, sexy). */
  safety: Float32Array[];
  /** Milliseconds spent building the input tensor and inside onnxruntime. */
  preprocessMs: number;
  inferenceMs: number;
}

/**
 * The centre square of a frame scaled like TSN's test crop: the square's side is 224/256 of
 * the short side, so a frame decoded at short side 256 is cropped to 224 without resampling.
 */
export function centreCrop(image: RgbImage): RgbImage {
  const short = Math.min(image.width, image.height);
  const side = Math.max(1, Math.min(short, Math.round((short * EMBED_SIZE) / CROP_OF)));
  return cropImage(image, { x: Math.floor((image.width - side) / 2), y: Math.floor((image.height - side) / 2), width: side, height: side });
}

/** MobileNetV2 frame features on onnxruntime. */
export class FrameEmbedder {
  private constructor(
    private readonly session: InferenceSession,
    /** Embedding size (1280). */
    readonly dim: number,
  ) {}

  /**
   * Loads the model (`image` → `embedding`, `probs`).
   * @throws ModelError `E_MODEL_FORMAT` when the file lacks those inputs and outputs.
   */
  static async create(modelPath: string, session: SessionOptions = {}): Promise<FrameEmbedder> {
    const s = await InferenceSession.create(modelPath, { threads: 1, spinning: false, ...session });
    const emb = s.outputs.find((o) => o.name === 'embedding');
    if (!s.inputs.some((i) => i.name === 'image') || !emb || !s.outputs.some((o) => o.name === 'probs')) {
      await s.release();
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `${modelPath} is not a videotag frame model (input image, outputs embedding and probs)`, { details: { file: modelPath } });
    }
    const dim = typeof emb.shape?.[1] === 'number' ? emb.shape[1] : 1280;
    return new FrameEmbedder(s, dim);
  }

  /** Embeds frames in one onnxruntime run (call with small batches, e.g. 8). */
  async embed(frames: readonly RgbImage[]): Promise<FrameEmbeddings> {
    if (frames.length === 0) return { embeddings: [], safety: [], preprocessMs: 0, inferenceMs: 0 };
    const t0 = performance.now();
    const per = EMBED_SIZE * EMBED_SIZE * 3;
    const x = new Float32Array(frames.length * per);
    frames.forEach((f, i) => resizeToTensor(centreCrop(f), EMBED_SIZE, EMBED_SIZE, { layout: 'nhwc', channelOrder: 'rgb', out: x, offset: i * per }));
    const t1 = performance.now();
    const out = await this.session.run({ image: { data: x, dims: [frames.length, EMBED_SIZE, EMBED_SIZE, 3] } });
    const t2 = performance.now();
    const emb = out.embedding.data as Float32Array;
    const probs = out.probs.data as Float32Array;
    const k = probs.length / frames.length;
    return {
      embeddings: frames.map((_, i) => emb.slice(i * this.dim, (i + 1) * this.dim)),
      safety: frames.map((_, i) => probs.slice(i * k, (i + 1) * k)),
      preprocessMs: t1 - t0,
      inferenceMs: t2 - t1,
    };
  }

  /** Releases the onnxruntime session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
