import * as tf from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { dilatePad4d } from './dilate-pad';
import { asTensor } from './tensor-info';

/**
 * The input gradient of a conv as a forward conv: dy with `stride - 1` zeros between
 * samples, padded by `filter - 1 - pad` (both in one JS loop, {@link dilatePad4d}),
 * convolved (stride 1) with the filter flipped in space and with in/out channels swapped. The forward Conv2D goes through XNNPACK; the
 * wasm backend's own Conv2DBackpropInput is a plain loop (see the benchmark for both).
 * @internal
 */
function conv2DBackpropInputViaConv(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: tf.Conv2DBackpropInputAttrs, backend: object): tf.Tensor4D {
  return tf.tidy(() => {
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const { info } = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, dataFormat);
    const dh = (dy.shape[1] - 1) * info.strideHeight + 1;
    const dw = (dy.shape[2] - 1) * info.strideWidth + 1;
    const top = info.filterHeight - 1 - info.padInfo.top;
    const left = info.filterWidth - 1 - info.padInfo.left;
    const bottom = info.inHeight + info.filterHeight - 1 - dh - top;
    const right = info.inWidth + info.filterWidth - 1 - dw - left;
    const dp = dilatePad4d(dy, backend, info.strideHeight, info.strideWidth, top, bottom, left, right);
    // A 1×1 filter needs no flip (tfjs-wasm's Reverse copies it, ~1 ms for 960×320).
    const spatial = info.filterHeight * info.filterWidth === 1 ? filter : tf.reverse(filter, [0, 1]);
    const flipped = tf.transpose(spatial, [0, 1, 3, 2]) as tf.Tensor4D;
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
        backend,
      ),
    );
  },
};
