import * as tfl from '@tensorflow/tfjs-layers';
import { InferenceSession, InvalidArgumentError, type SessionOptions } from '@modelkit/core';
import { exportLayersModelToOnnx } from '../export/export-layers-model';
import { MOBILENET_V2_BLOCKS, mobileNetV2CutLayer, mobileNetV2FeatureShape } from '../models/mobilenet-v2';
import { pretrainedMobileNetV2 } from './pretrained-backbone';

/** Options of {@link computeFrozenFeatures}. */
export interface FrozenFeaturesOptions {
  /** Side of the (square, already resized) RGB images. */
  size: number;
  /**
   * Also keep the feature map entering this block (1 … 17; 17 = the input of the 1280-channel
   * head conv): the input of the blocks that fine-tuning trains. Default: pooled features only.
   */
  cutBlock?: number;
  /** `flip`: also the horizontally mirrored image (a cached stand-in for flip augmentation). Default `single`. */
  views?: 'single' | 'flip';
  /** Images per onnxruntime run. Default 16. */
  batchSize?: number;
  /** onnxruntime options. Default one thread without spinning (fair on shared cores). */
  session?: SessionOptions;
  /** Called after each batch with the images done so far. */
  onBatch?: (done: number, total: number) => void;
}

/** Features of a frozen pretrained backbone, one array per view and image. */
export interface FrozenFeatures {
  /** `pooled[view][image]`: the 1280-d global average of the last feature map. */
  pooled: Float32Array[][];
  /** `maps[view][image]`: the map entering `cutBlock`, flat HWC; absent without `cutBlock`. */
  maps?: Float32Array[][];
  /** `[H, W, C]` of each map. */
  mapShape?: [number, number, number];
}

/** One image (HWC bytes) as floats in [0, 1], optionally mirrored left-right. */
function toFloat(image: Uint8Array, size: number, mirror: boolean, out: Float32Array, offset: number): void {
  if (!mirror) {
    for (let i = 0; i < image.length; i++) out[offset + i] = image[i]! / 255;
    return;
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const src = (y * size + (size - 1 - x)) * 3;
      const dst = offset + (y * size + x) * 3;
      out[dst] = image[src]! / 255;
      out[dst + 1] = image[src + 1]! / 255;
      out[dst + 2] = image[src + 2]! / 255;
    }
  }
}

/**
 * Runs the frozen part of the pretrained MobileNetV2 once over `images` (`size`² RGB bytes,
 * HWC) and keeps what training needs: the pooled embedding (for a head on a frozen backbone)
 * and, with `cutBlock`, the feature map the unfrozen top blocks start from. The frozen
 * prefix is exported to ONNX in memory and run in onnxruntime, 8.9× faster here than the same
 * forward pass in tfjs' wasm backend (README, "Pretrained backbone"), and never again per epoch.
 *
 * @throws InvalidArgumentError for a bad size, cut block or image length.
 */
export async function computeFrozenFeatures(images: readonly Uint8Array[], options: FrozenFeaturesOptions): Promise<FrozenFeatures> {
  const { size, cutBlock } = options;
  if (cutBlock !== undefined && !(Number.isInteger(cutBlock) && cutBlock >= 1 && cutBlock <= MOBILENET_V2_BLOCKS)) {
    throw new InvalidArgumentError(`cutBlock must be an integer in [1, ${MOBILENET_V2_BLOCKS}], got ${cutBlock}`);
  }
  const pixels = size * size * 3;
  images.forEach((img, i) => {
    if (img.length !== pixels) throw new InvalidArgumentError(`image ${i} has ${img.length} bytes, expected ${pixels} (${size}x${size} RGB)`);
  });
  const batchSize = options.batchSize ?? 16;
  const mirrors = options.views === 'flip' ? [false, true] : [false];

  const backbone = await pretrainedMobileNetV2({ inputSize: size });
  let session: InferenceSession;
  try {
    const outputs = [backbone.getLayer('global_average_pooling2d').output as tfl.SymbolicTensor];
    if (cutBlock !== undefined) outputs.push(backbone.getLayer(mobileNetV2CutLayer(cutBlock)).output as tfl.SymbolicTensor);
    const prefix = tfl.model({ inputs: backbone.inputs, outputs });
    const onnx = exportLayersModelToOnnx(prefix, { inputName: 'image', outputNames: cutBlock === undefined ? ['pooled'] : ['pooled', 'map'] });
    session = await InferenceSession.create(onnx, { threads: 1, spinning: false, name: 'mobilenetv2 frozen prefix', ...options.session });
  } finally {
    backbone.dispose();
  }

  const pooled: Float32Array[][] = mirrors.map(() => []);
  const maps: Float32Array[][] | undefined = cutBlock === undefined ? undefined : mirrors.map(() => []);
  const mapShape = cutBlock === undefined ? undefined : mobileNetV2FeatureShape(cutBlock, size);
  const mapSize = mapShape ? mapShape[0] * mapShape[1] * mapShape[2] : 0;
  try {
    for (let start = 0; start < images.length; start += batchSize) {
      const chunk = images.slice(start, start + batchSize);
      for (const [view, mirror] of mirrors.entries()) {
        const data = new Float32Array(chunk.length * pixels);
        chunk.forEach((img, i) => toFloat(img, size, mirror, data, i * pixels));
        const out = await session.run({ image: { data, dims: [chunk.length, size, size, 3] } });
        const p = out.pooled!.data as Float32Array;
        const dim = p.length / chunk.length;
        // slice(), not subarray(): each image keeps only its own bytes, not the batch's buffer.
        for (let i = 0; i < chunk.length; i++) pooled[view]!.push(p.slice(i * dim, (i + 1) * dim));
        if (maps) {
          const m = out.map!.data as Float32Array;
          for (let i = 0; i < chunk.length; i++) maps[view]!.push(m.slice(i * mapSize, (i + 1) * mapSize));
        }
      }
      options.onBatch?.(Math.min(images.length, start + batchSize), images.length);
    }
  } finally {
    await session.release();
  }
  return { pooled, maps, mapShape };
}
