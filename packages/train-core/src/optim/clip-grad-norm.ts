import * as tf from '@tensorflow/tfjs-core';

/**
 * Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_`): when the L2 norm of
 * all gradients together exceeds `maxNorm`, scales every gradient by `maxNorm / norm`.
 * Returns new tensors (the caller disposes the inputs) and the norm before clipping.
 */
export function clipGradNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  const out = grads.map((g) => (scale === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, scale))));
  return { grads: out, norm };
}
