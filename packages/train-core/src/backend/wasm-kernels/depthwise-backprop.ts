import * as tf from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { dilatePad4d } from './dilate-pad';
import { runOnHeap } from './js-kernel';
import { asTensor } from './tensor-info';

/**
 * DepthwiseConv2dNativeBackpropInput for wasm: a depthwise conv (stride 1, the forward
 * dilation, XNNPACK) of the stride-dilated, padded dy with the spatially flipped filter,
 * viewed as Cin·mult channels of multiplier 1; then the `mult` outputs of each input
 * channel are summed. The dilated, padded dy is written by one JS loop
 * ({@link dilatePad4d}). NHWC only.
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
      const dh = (dyt.shape[1] - 1) * info.strideHeight + 1;
      const dw = (dyt.shape[2] - 1) * info.strideWidth + 1;
      const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
      const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
      const bottom = info.inHeight + info.effectiveFilterHeight - 1 - dh - top;
      const right = info.inWidth + info.effectiveFilterWidth - 1 - dw - left;
      const dp = dilatePad4d(dyt, backend, info.strideHeight, info.strideWidth, top, bottom, left, right);
      const flipped = tf.reshape(fh * fw === 1 ? ft : tf.reverse(ft, [0, 1]), [fh, fw, cin * mult, 1]) as tf.Tensor4D;
      const dil: [number, number] = [info.dilationHeight, info.dilationWidth];
      const full = tf.depthwiseConv2d(dp, flipped, 1, 'valid', 'NHWC', dil);
      if (mult === 1) return full;
      const [n, h, w] = full.shape;
      return tf.sum(tf.reshape(full, [n, h, w, cin, mult]), 4);
    });
  },
};

/**
 * DepthwiseConv2dNativeBackpropFilter for wasm: one JS pass over dy and x. Each filter
 * weight sums x·dy over batch and positions, one multiply per value read, so the loop
 * order matters more than the arithmetic: batch → output row → filter row, so each row
 * of x and dy is reused from cache by every tap (the loop this replaced walked all of x
 * and dy once per filter tap). For 3-wide filters (dilation 1, multiplier 1), the
 * columns where all three taps are inside are summed per channel in three registers
 * (one load of dy for three products, no stores in the inner loop); the edge columns
 * and other filters take a channel-inner loop over per-tap valid column ranges (no
 * bounds test per position). Sums are Float64 (the old loop summed in float32). NHWC only.
 */
export const depthwiseBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const { info } = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true, 'NHWC');
    const g: FilterGradGeometry = {
      n: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels, oh: info.outHeight, ow: info.outWidth,
      fh: info.filterHeight, fw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
      dh: info.dilationHeight, dw: info.dilationWidth, top: info.padInfo.top, left: info.padInfo.left,
      mult: info.outChannels / info.inChannels,
    };
    return runOnHeap(backend, [x, dy], filterShape.slice(), ([xv, gv], out) => {
      const acc = depthwiseFilterGrad(g, xv!, gv!);
      for (let k = 0; k < out.length; k++) out[k] = acc[k]!;
    }, false);
  },
};

/** The conv geometry the filter loop reads. */
interface FilterGradGeometry {
  n: number; h: number; w: number; c: number; oh: number; ow: number;
  fh: number; fw: number; sh: number; sw: number; dh: number; dw: number;
  top: number; left: number; mult: number;
}

/** The depthwise filter gradient [fh, fw, C, mult] (flattened) of NHWC `xv`, `gv`. */
function depthwiseFilterGrad(g: FilterGradGeometry, xv: Float32Array, gv: Float32Array): Float64Array {
  const { n, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, top, left, mult } = g;
  const co = c * mult;
  const acc = new Float64Array(fh * fw * co);
  // Output columns whose tap j reads inside the input: yc·sw + j·dw − left in [0, w).
  const yc0 = new Int32Array(fw);
  const yc1 = new Int32Array(fw);
  for (let j = 0; j < fw; j++) {
    const off = j * dw - left;
    yc0[j] = Math.max(0, Math.ceil(-off / sw));
    yc1[j] = Math.min(ow, Math.floor((w - 1 - off) / sw) + 1);
  }
  // Columns where all three taps of a 3-wide filter are inside (the common interior).
  const three = fw === 3 && dw === 1 && mult === 1;
  const in0 = three ? Math.max(yc0[0]!, yc0[2]!) : 0;
  const in1 = three ? Math.min(yc1[0]!, yc1[2]!) : 0;
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      const gRow = (b * oh + yr) * ow;
      for (let i = 0; i < fh; i++) {
        const r = yr * sh + i * dh - top;
        if (r < 0 || r >= h) continue;
        const xRow = (b * h + r) * w;
        const a0 = i * fw * co;
        if (three && in1 > in0) {
          // Interior columns: per channel, three register sums (one per tap of this
          // filter row) over the row's columns, one load of dy for three products.
          const a1 = a0 + c;
          const a2 = a1 + c;
          const xStep = sw * c;
          const c2 = 2 * c;
          for (let ch = 0; ch < c; ch++) {
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let gi = (gRow + in0) * c + ch;
            let xi = (xRow + in0 * sw - left) * c + ch;
            for (let yc = in0; yc < in1; yc++) {
              const gval = gv[gi]!;
              s0 += xv[xi]! * gval;
              s1 += xv[xi + c]! * gval;
              s2 += xv[xi + c2]! * gval;
              gi += c;
              xi += xStep;
            }
            acc[a0 + ch] += s0;
            acc[a1 + ch] += s1;
            acc[a2 + ch] += s2;
          }
        }
        for (let j = 0; j < fw; j++) {
          const a = a0 + j * co;
          const off = j * dw - left;
          const lo = yc0[j]!;
          const hi = yc1[j]!;
          for (let yc = lo; yc < hi; yc++) {
            if (three && yc >= in0 && yc < in1) {
              yc = in1 - 1; // done above
              continue;
            }
            const xb = (xRow + yc * sw + off) * c;
            const gb = (gRow + yc) * co;
            if (mult === 1) {
              for (let ch = 0; ch < c; ch++) acc[a + ch] += xv[xb + ch]! * gv[gb + ch]!;
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xval = xv[xb + ch]!;
                for (let m = 0; m < mult; m++) acc[a + ch * mult + m] += xval * gv[gb + ch * mult + m]!;
              }
            }
          }
        }
      }
    }
  }
  return acc;
}
