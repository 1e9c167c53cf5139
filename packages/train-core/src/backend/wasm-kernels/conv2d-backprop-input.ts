import * as tf from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { asTensor, dilateSpatial, padOrCrop4d } from './tensor-info';

/**
 * The input gradient of a conv as a forward conv: dy with `stride - 1` zeros between
 * samples, padded by `filter - 1 - pad`, convolved (stride 1) with the filter flipped in
 * space and with in/out channels swapped. The forward Conv2D goes through XNNPACK; the
 * wasm backend's own Conv2DBackpropInput is a plain loop (see the benchmark for both).
 * @internal
 */
function conv2DBackpropInputViaConv(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: tf.Conv2DBackpropInputAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const { info } = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, dataFormat);
    const d = dilateSpatial(dy, info.strideHeight, info.strideWidth);
    const top = info.filterHeight - 1 - info.padInfo.top;
    const left = info.filterWidth - 1 - info.padInfo.left;
    const bottom = info.inHeight + info.filterHeight - 1 - d.shape[1] - top;
    const right = info.inWidth + info.filterWidth - 1 - d.shape[2] - left;
    const dp = padOrCrop4d(d, top, bottom, left, right);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dp, flipped, 1, 'valid');
  });
}

/** Conv2DBackpropInput for wasm through {@link conv2DBackpropInputViaConv}. NHWC only. */
export const conv2DBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    return tf.tidy(() =>
      conv2DBackpropInputViaConv(
        asTensor(dy, backend) as tf.Tensor4D,
        asTensor(filter, backend) as tf.Tensor4D,
        attrs as unknown as tf.Conv2DBackpropInputAttrs,
      ),
    );
  },
};
