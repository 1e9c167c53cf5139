import * as tf from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { runOnHeap } from './js-kernel';
import { asTensor, dilateSpatial, padOrCrop4d } from './tensor-info';

/**
 * DepthwiseConv2dNativeBackpropInput for wasm: a depthwise conv (stride 1, the forward
 * dilation) of the stride-dilated, padded dy with the spatially flipped filter, viewed
 * as Cin·mult channels of multiplier 1; then the `mult` outputs of each input channel
 * are summed. NHWC only.
 */
export const depthwiseBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return tf.tidy(() => {
      const dyt = asTensor(dy, backend) as tf.Tensor4D;
      const ft = asTensor(filter, backend) as tf.Tensor4D;
      const { info } = convGeometry(inputShape, ft.shape, strides, dilations, pad, dimRoundingMode, true, 'NHWC');
      const [fh, fw, cin, mult] = ft.shape;
      const d = dilateSpatial(dyt, info.strideHeight, info.strideWidth);
      const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
      const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
      const bottom = info.inHeight + info.effectiveFilterHeight - 1 - d.shape[1] - top;
      const right = info.inWidth + info.effectiveFilterWidth - 1 - d.shape[2] - left;
      const dp = padOrCrop4d(d, top, bottom, left, right);
      const flipped = tf.reshape(tf.reverse(ft, [0, 1]), [fh, fw, cin * mult, 1]) as tf.Tensor4D;
      const dil: [number, number] = [info.dilationHeight, info.dilationWidth];
      const full = tf.depthwiseConv2d(dp, flipped, 1, 'valid', 'NHWC', dil);
      if (mult === 1) return full;
      const [n, h, w] = full.shape;
      return tf.sum(tf.reshape(full, [n, h, w, cin, mult]), 4);
    });
  },
};

/**
 * DepthwiseConv2dNativeBackpropFilter for wasm: a plain loop. Each filter weight sums
 * x·dy over batch and positions, a memory-bound reduction with one multiply per value
 * read; as ops (strided slices + batched matmuls) it measured ~5× slower. NHWC only.
 */
export const depthwiseBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const { info } = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true, 'NHWC');
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
    const mult = info.outChannels / c;
    const co = c * mult;
    return runOnHeap(backend, [x, dy], filterShape.slice(), ([xv, gv], dw) => {
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const wBase = (i * fw + j) * co;
        for (let b = 0; b < n; b++) {
          for (let yr = 0; yr < oh; yr++) {
            const r = yr * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
            if (r < 0 || r >= h) continue;
            for (let yc = 0; yc < ow; yc++) {
              const cc = yc * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
              if (cc < 0 || cc >= w) continue;
              const xBase = ((b * h + r) * w + cc) * c;
              const gBase = ((b * oh + yr) * ow + yc) * co;
              if (mult === 1) {
                for (let ch = 0; ch < c; ch++) dw[wBase + ch] += xv[xBase + ch] * gv[gBase + ch];
              } else {
                for (let ch = 0; ch < c; ch++) {
                  const xval = xv[xBase + ch];
                  for (let m = 0; m < mult; m++) dw[wBase + ch * mult + m] += xval * gv[gBase + ch * mult + m];
                }
              }
            }
          }
        }
      }
    }
    });
  },
};
