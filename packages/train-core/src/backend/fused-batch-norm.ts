import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The fields of tfjs-layers' BatchNormalization that its training step reads. */
interface BatchNormFields {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

type LayerCall = (this: BatchNormFields, inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }) => tf.Tensor | tf.Tensor[];

// The class every `tfl.layers.batchNormalization()` is an instance of.
const prototype = Object.getPrototypeOf(tfl.layers.batchNormalization({})) as { call: LayerCall };
const original: LayerCall = prototype.call;

/**
 * Batch norm over all axes but the last, with the analytic gradient
 *   dx = γ·rstd · (dy − Σdy/n − x̂·Σ(dy·x̂)/n),  dγ = Σ(dy·x̂),  dβ = Σdy
 * (x̂ = (x − μ)·rstd, rstd = 1/√(σ² + ε), sums over the n values of a channel).
 * tfjs differentiates the composition moments → FusedBatchNorm instead: the gradient of
 * FusedBatchNorm tiles rstd to the full activation, and the mean and variance gradients
 * flow back through Mean and SquaredDifference — about twenty full-size element-wise and
 * reduction kernels per layer where this takes eight. `onStats` receives the batch mean
 * and variance (kept; the caller disposes them) for the moving averages.
 */
function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, onStats: (mean: tf.Tensor, variance: tf.Tensor) => void): tf.Tensor {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const n = x.size / x.shape[x.rank - 1]!;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    // Ops inside a custom gradient's forward pass are not recorded on the tape.
    const { mean, variance } = tf.moments(xs, axes);
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
    const y = tf.batchNorm(xs, mean, variance, b, g, epsilon);
    save([xs, mean, rstd, g]);
    onStats(tf.keep(mean), tf.keep(variance));
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sRstd, sGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const xhat = tf.mul(tf.sub(sx, sMean), sRstd);
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xhat), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n)));
        return [tf.mul(centred, tf.mul(sGamma, sRstd)), dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta);
}

/** tfjs-layers' moving-average update: v ← v − (v − value)·(1 − momentum). */
function updateMovingAverage(variable: BatchNormFields['movingMean'], value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

const fusedCall: LayerCall = function (this: BatchNormFields, inputs, kwargs) {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  const axis = this.axis >= 0 ? this.axis : this.axis + (x?.rank ?? 0);
  // Only the common case (training on wasm, channels last, with scale and offset) is
  // taken over; the rest — inference included — stays tfjs-layers' own code.
  if (kwargs?.training !== true || tf.getBackend() !== 'wasm' || x === undefined || x.dtype !== 'float32' || x.rank < 2 || axis !== x.rank - 1 || this.gamma === null || this.beta === null) {
    return original.call(this, inputs, kwargs);
  }
  return tf.tidy(() => {
    let stats: [tf.Tensor, tf.Tensor] | undefined;
    const y = batchNormTraining(x, this.gamma!.read(), this.beta!.read(), this.epsilon, (mean, variance) => (stats = [mean, variance]));
    const [mean, variance] = stats!;
    updateMovingAverage(this.movingMean, mean, this.momentum);
    updateMovingAverage(this.movingVariance, variance, this.momentum);
    mean.dispose();
    variance.dispose();
    return y;
  });
};

/**
 * Makes tfjs-layers' BatchNormalization train with {@link batchNormTraining}'s one-step
 * gradient on the wasm backend (`true`), or restores its own code (`false`). Same results
 * (the tests compare against tfjs' gradient on the cpu backend); layers, weights, export
 * and inference are untouched.
 * @internal
 */
export function useFusedBatchNormTraining(on: boolean): void {
  prototype.call = on ? fusedCall : original;
}
