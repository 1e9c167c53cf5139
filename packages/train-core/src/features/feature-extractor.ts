/**
 * A pretrained ONNX model as a feature extractor: an intermediate tensor (e.g. a
 * detector's deepest backbone map) becomes the output, images are preprocessed as the
 * model expects, and each image yields one pooled vector to train a small head on.
 */
import {
  ErrorCodes, imageToTensor, InferenceSession, InvalidArgumentError, isModelkitError, ModelError, readOnnx, resizeImage, toRgbImage,
  type ImageSource, type OnnxModel, type SessionOptions,
} from '@modelkit/core';
import { exposeTensor } from './expose-tensor';
import { globalPool, type FeatureLayout, type FeaturePool } from './global-pool';

/** How images are turned into the model's input tensor (see core's `imageToTensor`). */
export interface FeatureInputSpec {
  /** Images are resized (stretched, cv2 INTER_LINEAR) to width × height. */
  width: number;
  height: number;
  layout: 'nchw' | 'nhwc';
  channelOrder: 'rgb' | 'bgr';
  /** Per output channel, after `scale`. Default 0. */
  mean?: [number, number, number];
  /** Per output channel, after the mean. Default 1. */
  std?: [number, number, number];
  /** Multiplier applied to 0–255 pixels first. Default 1/255. */
  scale?: number;
}

/** Options of {@link createFeatureExtractor}. */
export interface FeatureExtractorOptions {
  /** An ONNX file path or an already read {@link OnnxModel} (not modified). */
  model: string | OnnxModel;
  /** Name of the tensor to read features from (list candidates with `listTensorNames(model.graph)`). */
  output: string;
  /** Global pooling of the feature map; default 'avg'. */
  pool?: FeaturePool;
  /** Where the output's channel axis is; default 'channels-first' (`[N, C, H, W]`). */
  outputLayout?: FeatureLayout;
  input: FeatureInputSpec;
  /** Graph input to feed; default the model's first input. */
  inputName?: string;
  /** Images per onnxruntime run; default 8. Use 1 for models whose batch axis cannot change. */
  batchSize?: number;
  /**
   * Drop nodes the output does not depend on (default true): skips the heads' compute and
   * their fixed-shape ops, so the input can take a symbolic batch and the given size.
   */
  prune?: boolean;
  /** onnxruntime options; default one thread without spinning (fair on shared cores). */
  session?: SessionOptions;
}

/** A loaded extractor; call {@link FeatureExtractor.release} when done. */
export interface FeatureExtractor {
  /** Length of each feature vector. */
  readonly dim: number;
  /** Shape of the output tensor for one image, before pooling (e.g. `[512, 4, 4]`). */
  readonly mapShape: readonly number[];
  /** Nodes left in the graph after pruning. */
  readonly nodeCount: number;
  /** One feature vector per image, in input order, computed `batchSize` images per run. */
  extract(images: readonly ImageSource[]): Promise<Float32Array[]>;
  /** Frees the onnxruntime session. */
  release(): Promise<void>;
}

function checkSpec(spec: FeatureInputSpec): void {
  for (const key of ['width', 'height'] as const) {
    const v = spec[key];
    if (!(Number.isInteger(v) && v > 0)) throw new InvalidArgumentError(`createFeatureExtractor: input.${key} must be a positive integer, got ${String(v)}`);
  }
}

/**
 * Builds a {@link FeatureExtractor}: exposes `output` as the model's only output (pruning
 * what it does not need), sets the input to `[N, 3, height, width]` (or NHWC), loads it in
 * onnxruntime and runs one blank image to learn the feature size.
 *
 * @throws ModelError `E_MODEL_INVALID` for an unknown tensor or input name; `E_MODEL_FORMAT`
 *   when onnxruntime cannot run the rewritten graph (e.g. a fixed-shape op between the input
 *   and `output`: try `batchSize: 1` with the model's own input size, or an earlier tensor);
 *   InvalidArgumentError for a bad input spec, pool or batch size.
 */
export async function createFeatureExtractor(options: FeatureExtractorOptions): Promise<FeatureExtractor> {
  const spec = options.input;
  checkSpec(spec);
  const pool = options.pool ?? 'avg';
  if (!['avg', 'max', 'none'].includes(pool)) throw new InvalidArgumentError(`createFeatureExtractor: pool must be avg|max|none, got ${String(pool)}`);
  const layout = options.outputLayout ?? 'channels-first';
  const batchSize = options.batchSize ?? 8;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new InvalidArgumentError(`createFeatureExtractor: batchSize must be a positive integer, got ${String(batchSize)}`);

  const source = typeof options.model === 'string' ? await readOnnx(options.model) : options.model;
  const inputName = options.inputName ?? source.graph.inputs[0]?.name;
  if (inputName === undefined || !source.graph.inputs.some((i) => i.name === inputName)) {
    throw new ModelError(ErrorCodes.MODEL_INVALID, `createFeatureExtractor: the model has no input "${String(inputName)}" (inputs: ${source.graph.inputs.map((i) => i.name).join(', ')})`);
  }
  const { width, height } = spec;
  const inputShape = spec.layout === 'nchw' ? ['N', 3, height, width] : ['N', height, width, 3];
  const graph = exposeTensor(source, options.output, { prune: options.prune ?? true, inputShapes: { [inputName]: inputShape } });

  let session: InferenceSession;
  let mapShape: number[];
  try {
    session = await InferenceSession.create(graph, { threads: 1, spinning: false, ...options.session, name: options.session?.name ?? `features ${options.output}` });
  } catch (err) {
    throw rewrapLoadError(err, options.output);
  }
  const perImage = 3 * width * height;
  const run = async (data: Float32Array, n: number): Promise<{ data: Float32Array; dims: readonly number[] }> => {
    const dims = spec.layout === 'nchw' ? [n, 3, height, width] : [n, height, width, 3];
    let out;
    try {
      out = (await session.run({ [inputName]: { data, dims } }))[options.output]!;
    } catch (err) {
      throw rewrapLoadError(err, options.output);
    }
    if (!(out.data instanceof Float32Array)) {
      throw new ModelError(ErrorCodes.MODEL_INVALID, `createFeatureExtractor: tensor "${options.output}" is ${out.dataType ?? out.data.constructor.name}, not float32`);
    }
    return { data: out.data, dims: out.dims };
  };
  try {
    const probe = await run(new Float32Array(perImage), 1);
    mapShape = probe.dims.slice(1);
  } catch (err) {
    await session.release();
    throw err;
  }
  const dim = globalPool(new Float32Array(mapShape.reduce((a, b) => a * b, 1)), [1, ...mapShape], pool, layout)[0]!.length;
  const tensorOptions = { layout: spec.layout, channelOrder: spec.channelOrder, mean: spec.mean, std: spec.std, scale: spec.scale };

  return {
    dim,
    mapShape,
    nodeCount: graph.graph.nodes.length,
    async extract(images) {
      const features: Float32Array[] = [];
      for (let start = 0; start < images.length; start += batchSize) {
        const chunk = images.slice(start, start + batchSize);
        const batch = new Float32Array(chunk.length * perImage);
        for (let i = 0; i < chunk.length; i++) {
          const img = await toRgbImage(chunk[i]!);
          const sized = img.width === width && img.height === height ? img : await resizeImage(img, width, height);
          imageToTensor(sized, { ...tensorOptions, out: batch, offset: i * perImage });
        }
        const out = await run(batch, chunk.length);
        features.push(...globalPool(out.data, out.dims, pool, layout));
      }
      return features;
    },
    release: () => session.release(),
  };
}

/** Adds what to try to onnxruntime's message when the rewritten graph cannot load or run. */
function rewrapLoadError(err: unknown, output: string): unknown {
  if (!isModelkitError(err, ErrorCodes.MODEL_FORMAT) && !isModelkitError(err, ErrorCodes.TENSOR_MISMATCH)) return err;
  return new ModelError(
    ErrorCodes.MODEL_FORMAT,
    `the graph up to "${output}" does not run at the requested input shape: ${(err as Error).message}. ` +
      'An op between the input and this tensor has a fixed shape: use the model\'s own input size with batchSize 1, or an earlier tensor.',
    { cause: err, details: { output } },
  );
}
