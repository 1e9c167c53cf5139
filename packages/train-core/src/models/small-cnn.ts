import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link smallCnn}. */
export interface SmallCnnOptions {
  /** Input side in pixels (square RGB input). Default 64. */
  inputSize?: number;
  /** Number of classes of the softmax head. */
  numClasses: number;
  /** Filters of the first block; each next block doubles them. Default 16. */
  baseFilters?: number;
  /** Number of conv blocks (conv + batch-norm + relu + max-pool). Default 4. */
  blocks?: number;
  /** Seed of the kernel initialisers, so two builds start from the same weights. */
  seed?: number;
  /**
   * Momentum of the batch-norm moving statistics. Default 0.99 (Keras). Short runs
   * evaluate better with 0.9 (PyTorch's default), whose statistics keep up with the
   * quickly changing weights.
   */
  batchNormMomentum?: number;
}

/**
 * A small VGG-style classifier: `blocks` × (3×3 conv, batch norm, ReLU, 2×2 max-pool),
 * global average pooling and a softmax dense head. The benchmark and tests train it.
 */
export function smallCnn(options: SmallCnnOptions): tfl.LayersModel {
  const size = options.inputSize ?? 64;
  const blocks = options.blocks ?? 4;
  const base = options.baseFilters ?? 16;
  const seed = options.seed ?? 1;
  const input = tfl.input({ shape: [size, size, 3] });
  let x: tfl.SymbolicTensor = input;
  for (let b = 0; b < blocks; b++) {
    x = tfl.layers
      .conv2d({
        filters: base * 2 ** b,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + b }),
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ momentum: options.batchNormMomentum ?? 0.99 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({
      units: options.numClasses,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 100 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}
