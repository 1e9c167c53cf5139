/**
 * The base of every video head: one tfjs layer holding all the head's weights, computing
 * `[batch, segments, features]` → logits with tfjs ops (so the Trainer, checkpoints, EMA
 * and wasm gradients work unchanged), and writing the same computation as ONNX from those
 * weights (so export needs no generic LSTM or custom-layer support).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../export/graph-builder';
import { checkHeadConfig, type VideoHeadConfig } from './head-config';
import { OnnxOps } from './onnx-ops';

/** How a weight starts. */
export type WeightInit =
  | 'glorot'
  | 'he'
  | 'zeros'
  | 'ones'
  | { normal: number }
  | { constant: number }
  /** An LSTM bias `[4H]`: 1 for the forget gate (Keras' order i, f, c, o), 0 elsewhere. */
  | { forgetBias: number };

type Shape = number[];

/** `x · W (+ b)` over the last axis, any rank. */
export function denseLast(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [inDim, outDim] = w.shape;
  const flat = tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, w as tf.Tensor2D);
  if (b) y = tf.add(y, b);
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** `x / sqrt(max(sum(x², axis), eps))`. */
export function l2Normalize(x: tf.Tensor, axis: number, eps = 1e-12): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), axis, true), eps)));
}

/** Reads a weight's values. */
export function values(v: tfl.LayerVariable): Float32Array {
  return Float32Array.from(v.read().dataSync() as Float32Array);
}

/** A batch norm over the last axis (moving statistics updated in training, Keras' semantics). */
export class SeqBatchNorm {
  constructor(
    readonly gamma: tfl.LayerVariable,
    readonly beta: tfl.LayerVariable,
    readonly movingMean: tfl.LayerVariable,
    readonly movingVar: tfl.LayerVariable,
    readonly momentum: number,
    readonly epsilon: number,
  ) {}

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (training) {
      const { mean, variance } = tf.moments(x, axes);
      tf.tidy(() => {
        const keep = (v: tfl.LayerVariable, batch: tf.Tensor): void => {
          v.write(tf.add(tf.mul(v.read(), this.momentum), tf.mul(batch, 1 - this.momentum)));
        };
        keep(this.movingMean, mean);
        keep(this.movingVar, variance);
      });
      return tf.batchNorm(x, mean, variance, this.beta.read(), this.gamma.read(), this.epsilon);
    }
    return tf.batchNorm(x, this.movingMean.read(), this.movingVar.read(), this.beta.read(), this.gamma.read(), this.epsilon);
  }

  /** The inference form `x · scale + shift`. */
  affine(): { scale: Float32Array; shift: Float32Array } {
    const g = values(this.gamma);
    const b = values(this.beta);
    const m = values(this.movingMean);
    const v = values(this.movingVar);
    const scale = new Float32Array(g.length);
    const shift = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) {
      scale[i] = g[i] / Math.sqrt(v[i] + this.epsilon);
      shift[i] = b[i] - m[i] * scale[i];
    }
    return { scale, shift };
  }

  onnx(ops: OnnxOps, x: string, base: string): string {
    const { scale, shift } = this.affine();
    return ops.affine(x, scale, shift, base);
  }
}

/** Shared machinery of the heads. */
export abstract class VideoHeadLayer<C extends VideoHeadConfig = VideoHeadConfig> extends tfl.layers.Layer {
  readonly head: C;
  private inits = 0;
  private dropouts = 0;

  constructor(config: C, name?: string) {
    super({ name: name ?? config.kind.replace(/-/g, '_'), trainable: true });
    checkHeadConfig(config);
    this.head = config;
  }

  /** Creates a weight with a seeded initializer (the n-th weight gets seed + n). */
  protected weight(name: string, shape: Shape, init: WeightInit, trainable = true): tfl.LayerVariable {
    const seed = (this.head.seed ?? 0) * 7919 + this.inits++;
    const initializer = ((): ReturnType<typeof tfl.initializers.constant> => {
      if (init === 'glorot') return tfl.initializers.glorotUniform({ seed });
      if (init === 'he') return tfl.initializers.heNormal({ seed });
      if (init === 'zeros') return tfl.initializers.zeros();
      if (init === 'ones') return tfl.initializers.ones();
      if ('normal' in init) return tfl.initializers.randomNormal({ mean: 0, stddev: init.normal, seed });
      if ('constant' in init) return tfl.initializers.constant({ value: init.constant });
      return tfl.initializers.zeros();
    })();
    const v = this.addWeight(name, shape, 'float32', initializer, undefined, trainable);
    if (typeof init === 'object' && 'forgetBias' in init) {
      const b = new Float32Array(shape[0]);
      b.fill(1, init.forgetBias, 2 * init.forgetBias);
      const t = tf.tensor1d(b);
      v.write(t);
      t.dispose();
    }
    return v;
  }

  /** A batch norm's four weights (gamma, beta trainable; moving statistics not). Momentum 0.9: short CPU runs. */
  protected batchNorm(name: string, channels: number): SeqBatchNorm {
    return new SeqBatchNorm(
      this.weight(`${name}/gamma`, [channels], 'ones'),
      this.weight(`${name}/beta`, [channels], 'zeros'),
      this.weight(`${name}/moving_mean`, [channels], 'zeros', false),
      this.weight(`${name}/moving_variance`, [channels], 'ones', false),
      0.9,
      1e-3,
    );
  }

  /** Dropout while training, with a seed per call so runs repeat exactly. */
  protected dropout(x: tf.Tensor, rate: number | undefined, training: boolean): tf.Tensor {
    if (!training || !rate) return x;
    return tf.dropout(x, rate, undefined, (this.head.seed ?? 0) * 1_000_003 + ++this.dropouts);
  }

  /** The input split into its modality blocks along the last axis. */
  protected modalities(x: tf.Tensor): tf.Tensor[] {
    const dims = this.head.modalities.map((m) => m.dim);
    return dims.length === 1 ? [x] : tf.split(x, dims, -1);
  }

  /** ONNX: the input split into its modality blocks. */
  protected onnxModalities(ops: OnnxOps, x: string): string[] {
    let at = 0;
    return this.head.modalities.map((m, i) => {
      if (this.head.modalities.length === 1) return x;
      const s = ops.sliceLast(x, at, at + m.dim, `modality${i}`);
      at += m.dim;
      return s;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0], this.head.numClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => this.forward(x, kwargs.training === true));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), head: JSON.parse(JSON.stringify(this.head)) as tf.serialization.ConfigDictValue };
  }

  /** Logits `[batch, numClasses]` of a `[batch, segments, features]` input. */
  protected abstract forward(x: tf.Tensor, training: boolean): tf.Tensor;

  /** Writes the inference graph: input tensor name in, logits tensor name out. */
  abstract emitOnnx(g: GraphBuilder, input: string): string;

  /** Helper for subclasses. */
  protected ops(g: GraphBuilder): OnnxOps {
    return new OnnxOps(g);
  }
}
