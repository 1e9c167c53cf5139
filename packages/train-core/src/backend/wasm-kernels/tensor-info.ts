import * as tf from '@tensorflow/tfjs-core';

/**
 * Gives a kernel input as a `tf.Tensor` so a kernel can be written with ops. Ops hand
 * kernels real tensors (used as they are); other kernels may hand bare `TensorInfo`s,
 * which are wrapped. Wrapping must bump the backend's ref count first: the wrapper's
 * dispose decrements it, and without the bump it would free the caller's data.
 * @internal
 */
export function asTensor(info: tf.TensorInfo, backend: object): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const b = backend as tf.KernelBackend;
  b.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, b);
}

/** Zero padding (positive) or cropping (negative) of the two spatial axes of NHWC. @internal */
export function padOrCrop4d(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
  value = 0,
): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    y = tf.slice(y, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ], value);
  }
  return y;
}

/**
 * Inserts `stride - 1` zero rows/columns between the spatial samples of `dy` (NHWC): the
 * input gradient of a strided conv is a stride-1 conv over this dilated gradient.
 * @internal
 */
export function dilateSpatial(dy: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const six = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const padded = tf.pad(six, [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * strideH, w * strideW, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * strideH + 1, (w - 1) * strideW + 1, c]);
}
