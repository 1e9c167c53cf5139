/** Small layer helpers the segmentation models share (conv-BN-ReLU units, image pooling). */
import * as tfl from '@tensorflow/tfjs-layers';

/** @internal */
export type Sym = tfl.SymbolicTensor;

/** Builds layers with seeded initialisers and unique names under `prefix`. @internal */
export class SegLayers {
  private seed: number;
  constructor(
    seed: number,
    private readonly momentum = 0.9,
  ) {
    this.seed = seed;
  }

  /** He-normal initialiser with the next seed. */
  init(): ReturnType<typeof tfl.initializers.heNormal> {
    return tfl.initializers.heNormal({ seed: this.seed++ });
  }

  nextSeed(): number {
    return this.seed++;
  }

  bn(x: Sym, name: string): Sym {
    return tfl.layers.batchNormalization({ momentum: this.momentum, epsilon: 1e-3, name }).apply(x) as Sym;
  }

  relu(x: Sym, name: string): Sym {
    return tfl.layers.reLU({ name }).apply(x) as Sym;
  }

  /** Conv (no bias) → BN → ReLU. */
  convBnRelu(x: Sym, filters: number, kernelSize: number, name: string, strides = 1): Sym {
    const y = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: this.init(), name }).apply(x) as Sym;
    return this.relu(this.bn(y, `${name}_bn`), `${name}_relu`);
  }

  /** Depthwise-separable conv (no bias) → BN → ReLU. */
  sepConvBnRelu(x: Sym, filters: number, name: string, strides = 1): Sym {
    const y = tfl.layers
      .separableConv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: this.init(), pointwiseInitializer: this.init(), name })
      .apply(x) as Sym;
    return this.relu(this.bn(y, `${name}_bn`), `${name}_relu`);
  }

  /** 1×1 conv with bias: the class logits. */
  logits(x: Sym, numClasses: number, name: string): Sym {
    return tfl.layers.conv2d({ filters: numClasses, kernelSize: 1, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: this.seed++ }), name }).apply(x) as Sym;
  }

  /** Bilinear upsampling by an integer factor (tfjs' resizeBilinear; exported as ONNX Resize). */
  up(x: Sym, factor: number, name: string): Sym {
    return tfl.layers.upSampling2d({ size: [factor, factor], interpolation: 'bilinear', name }).apply(x) as Sym;
  }

  /**
   * Global average pool kept as a 1×1 map, a 1×1 conv unit (or sigmoid gate), and nearest
   * upsampling back to `x`'s size: a broadcast written with layers every exporter maps.
   */
  imagePool(x: Sym, filters: number, name: string, gate = false): Sym {
    const [, h, w, c] = x.shape as number[];
    let y = tfl.layers.globalAveragePooling2d({ name: `${name}_gap` }).apply(x) as Sym;
    y = tfl.layers.reshape({ targetShape: [1, 1, c], name: `${name}_reshape` }).apply(y) as Sym;
    if (gate) {
      y = tfl.layers.conv2d({ filters, kernelSize: 1, activation: 'sigmoid', kernelInitializer: this.init(), name: `${name}_conv` }).apply(y) as Sym;
    } else {
      y = this.convBnRelu(y, filters, 1, `${name}_conv`);
    }
    return tfl.layers.upSampling2d({ size: [h, w], name: `${name}_up` }).apply(y) as Sym;
  }
}
