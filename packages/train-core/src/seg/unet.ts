/** A small U-Net (Ronneberger et al. 2015) for label maps: PaddleSeg's `UNet`, narrower. */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import { SegLayers, type Sym } from './seg-layers';

/** Options of {@link unet}. */
export interface UNetOptions {
  /** Square input side; a multiple of 2^depth. */
  inputSize: number;
  numClasses: number;
  /** Channels of the first level, doubled at each level down. Default 16 (PaddleSeg's UNet: 64). */
  baseChannels?: number;
  /** Down-sampling levels. Default 4. */
  depth?: number;
  seed?: number;
}

/**
 * Encoder of `depth` levels (two conv-BN-ReLU, then 2×2 max-pool), a bottleneck, and a
 * decoder that upsamples bilinearly ×2, concatenates the skip connection and applies two
 * conv-BN-ReLU; a 1×1 conv gives logits `[N, H, W, numClasses]` at the input resolution.
 */
export function unet(options: UNetOptions): tfl.LayersModel {
  const depth = options.depth ?? 4;
  const base = options.baseChannels ?? 16;
  const size = options.inputSize;
  if (!(Number.isInteger(size) && size % 2 ** depth === 0 && size >= 2 ** depth)) {
    throw new InvalidArgumentError(`unet: inputSize must be a multiple of ${2 ** depth}, got ${size}`);
  }
  const L = new SegLayers(options.seed ?? 1);
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  const double = (x: Sym, c: number, name: string): Sym => L.convBnRelu(L.convBnRelu(x, c, 3, `${name}_a`), c, 3, `${name}_b`);
  const skips: Sym[] = [];
  let x: Sym = input;
  for (let d = 0; d < depth; d++) {
    x = double(x, base * 2 ** d, `down${d}`);
    skips.push(x);
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${d}` }).apply(x) as Sym;
  }
  x = double(x, base * 2 ** depth, 'bottleneck');
  for (let d = depth - 1; d >= 0; d--) {
    x = L.up(x, 2, `up${d}`);
    x = tfl.layers.concatenate({ axis: -1, name: `concat${d}` }).apply([skips[d], x]) as Sym;
    x = double(x, base * 2 ** d, `dec${d}`);
  }
  return tfl.model({ inputs: input, outputs: L.logits(x, options.numClasses, 'logits'), name: 'unet' });
}
