import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link mobileNetV2Like}. */
export interface MobileNetV2LikeOptions {
  /** Input side in pixels (square RGB input). Default 96. */
  inputSize?: number;
  numClasses: number;
  /** Width multiplier of every layer. Default 0.35 (the smallest Keras MobileNetV2). */
  alpha?: number;
  /** Seed of the kernel initialisers. */
  seed?: number;
  /** Momentum of the batch-norm moving statistics. Default 0.99 (Keras); see smallCnn. */
  batchNormMomentum?: number;
}

type Sym = tfl.SymbolicTensor;

/**
 * A MobileNetV2-style network (inverted residual blocks with depthwise 3×3 convs,
 * ReLU6, linear bottlenecks and residual adds), scaled down for training on CPU: the
 * first five of MobileNetV2's seven stages and a 320·α head conv, so even at α 1 and 224²
 * it is not MobileNetV2 (232 k parameters, not 2.24 M). The benchmark and tests use it as
 * a small net that exercises every kernel a mobile classifier needs (Conv2D,
 * DepthwiseConv2dNative, BatchNorm, Relu6, Add, global pooling); {@link mobileNetV2} is
 * the real architecture.
 */
export function mobileNetV2Like(options: MobileNetV2LikeOptions): tfl.LayersModel {
  const size = options.inputSize ?? 96;
  const alpha = options.alpha ?? 0.35;
  let seed = options.seed ?? 1;
  const ch = (c: number): number => Math.max(8, Math.round((c * alpha) / 8) * 8);
  const init = (): ReturnType<typeof tfl.initializers.heNormal> => tfl.initializers.heNormal({ seed: seed++ });
  const bnRelu6 = (x: Sym, relu: boolean): Sym => {
    let y = tfl.layers.batchNormalization({ momentum: options.batchNormMomentum ?? 0.99 }).apply(x) as Sym;
    if (relu) y = tfl.layers.reLU({ maxValue: 6 }).apply(y) as Sym;
    return y;
  };
  const conv = (x: Sym, filters: number, kernelSize: number, strides: number, relu: boolean): Sym =>
    bnRelu6(
      tfl.layers
        .conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init() })
        .apply(x) as Sym,
      relu,
    );
  const block = (x: Sym, expand: number, outC: number, strides: number): Sym => {
    const inC = x.shape[3] as number;
    let y = expand === 1 ? x : conv(x, inC * expand, 1, 1, true);
    y = bnRelu6(
      tfl.layers
        .depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: init() })
        .apply(y) as Sym,
      true,
    );
    y = conv(y, outC, 1, 1, false);
    if (strides === 1 && inC === outC) y = tfl.layers.add().apply([x, y]) as Sym;
    return y;
  };
  const input = tfl.input({ shape: [size, size, 3] });
  let x = conv(input, ch(32), 3, 2, true);
  // (expansion, output channels, repeats, first stride): the first five stages of MobileNetV2.
  const stages: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 2, 2],
    [6, 96, 1, 1],
  ];
  for (const [t, c, n, s] of stages) {
    for (let i = 0; i < n; i++) x = block(x, t, ch(c), i === 0 ? s : 1);
  }
  x = conv(x, ch(320), 1, 1, true);
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as Sym;
  const out = tfl.layers
    .dense({ units: options.numClasses, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }) })
    .apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: out });
}
