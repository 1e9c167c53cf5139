import * as tf from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { runOnHeap } from './js-kernel';
import { asTensor } from './tensor-info';

/**
 * Largest transposed im2col matrix (in floats) built at once: 16 Mi floats = 64 MiB.
 * Bigger ones are built and multiplied a few filter taps at a time, because the wasm
 * heap is capped at 4 GiB and never shrinks once grown. The example models' largest is
 * ~2.4 Mi floats (16×32×32×16, 3×3), so they always take one matmul.
 */
const IM2COL_MAX_FLOATS = 1 << 24;

/**
 * Conv2DBackpropFilter for the wasm backend, which has none:
 * dW[i,j,ci,co] = Σ_{n,oy,ox} x[n, oy·sh+i−top, ox·sw+j−left, ci] · dy[n,oy,ox,co].
 *
 * Written as one matmul `colsᵀ · dy`: colsᵀ is the transposed im2col matrix
 * [fh·fw·Cin, M] (M = N·outH·outW; row (i,j,ci) holds the input values tap (i,j) reads in
 * channel ci, zeros where it reads padding) and dy is viewed as [M, Cout]. The product is
 * [fh·fw·Cin, Cout], which is already the filter's [fh, fw, Cin, Cout] layout.
 *
 * Why this shape of the work (measured here: README, "Conv2DBackpropFilter"):
 * - The matmul runs in tfjs-wasm's BatchMatMul, which uses XNNPACK (SIMD) only without
 *   `transposeA`/`transposeB` (batch_mat_mul_impl.cc); with a transpose flag it takes a
 *   blocked scalar loop, ~10× slower on these shapes. XNNPACK wants the summed axis M
 *   contiguous in each row of the left operand, so one operand is transposed here.
 * - k×k, strided or padded: colsᵀ is filled by one JS loop straight from the NHWC input
 *   on the wasm heap. The previous kernel padded and transposed the whole input, then
 *   copied every tap out of it with a StridedSlice: tfjs-wasm's Transpose/StridedSlice
 *   copies cost ~10–30× the matmul itself.
 * - 1×1, stride 1, unpadded: colsᵀ is just xᵀ, so the gradient is one transpose and one
 *   matmul — of x, or of dy (giving dWᵀ) when Cout < Cin, whichever moves fewer values.
 * - dy is the right operand, which XNNPACK packs; its operator cache is keyed by that
 *   tensor, so dy is packed once also when colsᵀ is built in chunks of taps.
 *
 * NHWC only (as every wasm convolution); tfjs' conv gradients have no dilations.
 */
export const conv2DBackpropFilterKernel: tf.KernelConfig = makeConv2DBackpropFilterKernel(IM2COL_MAX_FLOATS);

/**
 * {@link conv2DBackpropFilterKernel} with another im2col budget (in floats), so tests can
 * exercise the chunked path on small shapes.
 * @internal
 */
export function makeConv2DBackpropFilterKernel(maxIm2colFloats: number): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const { info } = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, dataFormat);
      const taps = info.filterHeight * info.filterWidth;
      const cin = info.inChannels;
      const cout = info.outChannels;
      const m = info.batchSize * info.outHeight * info.outWidth;
      return tf.tidy(() => {
        const dy2 = tf.reshape(asTensor(dy, backend), [m, cout]) as tf.Tensor2D;
        if (isPointwise(info)) {
          const x2 = tf.reshape(asTensor(x, backend), [m, cin]) as tf.Tensor2D;
          // One operand must be transposed (see above); transpose the narrower one, which
          // moves fewer values, and let XNNPACK pack the wider one. When that is dy the
          // product is dWᵀ [Cout, Cin], and transposing that is tiny.
          if (cout < cin) return tf.reshape(tf.transpose(tf.matMul(transposeRows(dy2, backend), x2)), filterShape);
          return tf.reshape(tf.matMul(transposeRows(x2, backend), dy2), filterShape);
        }
        const tapsPerChunk = Math.max(1, Math.min(taps, Math.floor(maxIm2colFloats / (cin * m))));
        const parts: tf.Tensor[] = [];
        for (let t0 = 0; t0 < taps; t0 += tapsPerChunk) {
          const t1 = Math.min(taps, t0 + tapsPerChunk);
          const cols = runOnHeap(backend, [x], [(t1 - t0) * cin, m], ([xv], out) => im2colTransposed(xv, out, info, t0, t1));
          // `cols` is a fresh output of the backend: the wrapper takes over its one reference.
          const colsT = tf.engine().makeTensorFromTensorInfo(cols, backend as tf.KernelBackend);
          parts.push(tf.matMul(colsT, dy2));
        }
        return tf.reshape(parts.length === 1 ? parts[0] : tf.concat(parts, 0), filterShape);
      });
    },
  };
}

/** A 1×1, stride-1, unpadded conv: every output position reads exactly its input pixel. */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && info.outHeight === info.inHeight && info.outWidth === info.inWidth
  );
}

/**
 * [M, C] → [C, M]. tfjs-wasm's Transpose is fastest while the matrix fits in cache or has
 * ≤ 8 columns; on larger ones it was measured 3–4× slower than this blocked JS loop
 * (e.g. [36864, 48]), likely because it writes C far-apart rows per input row (4 KiB
 * apart when M is a multiple of 1024, as our feature maps are), where this loop writes
 * 64-value runs to each row.
 */
function transposeRows(t: tf.Tensor2D, backend: object): tf.Tensor2D {
  const [m, c] = t.shape;
  // 2^17 values = 512 KiB: the sizes where tfjs' Transpose still measured faster.
  if (c <= 8 || m * c <= 1 << 17) return tf.transpose(t);
  const out = runOnHeap(backend, [t], [c, m], ([src], dst) => {
    const block = 64;
    for (let m0 = 0; m0 < m; m0 += block) {
      const m1 = Math.min(m, m0 + block);
      for (let ch = 0; ch < c; ch++) {
        const d = ch * m;
        let s = m0 * c + ch;
        for (let i = m0; i < m1; i++, s += c) dst[d + i] = src[s];
      }
    }
  }, false);
  return tf.engine().makeTensorFromTensorInfo(out, backend as tf.KernelBackend) as tf.Tensor2D;
}

/**
 * Writes rows [t0·Cin, t1·Cin) of the transposed im2col matrix of NHWC `x` into `out`
 * (zero-filled by the caller, so padding needs no writes): out[(t−t0)·Cin + ci][m] is the
 * input value filter tap t = i·fw + j reads for output position m in channel ci.
 * Loops run per output row with the valid column range worked out once, so the inner
 * loop has no bounds checks; it reads one input row (L1-resident) with stride sw·Cin and
 * writes contiguously.
 */
function im2colTransposed(x: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo, t0: number, t1: number): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const m = n * oh * ow;
  const step = sw * c;
  for (let t = t0; t < t1; t++) {
    const i = Math.floor(t / fw);
    const j = t - i * fw;
    const rowBase = (t - t0) * c * m;
    // Output columns whose input column ox·sw + j − left lies inside [0, w).
    const oxLo = Math.max(0, Math.ceil((left - j) / sw));
    const oxHi = Math.min(ow, Math.floor((w - 1 - j + left) / sw) + 1);
    if (oxHi <= oxLo) continue;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        const r = oy * sh + i - top;
        if (r < 0 || r >= h) continue;
        const mBase = (b * oh + oy) * ow;
        const src0 = ((b * h + r) * w + oxLo * sw + j - left) * c;
        for (let ch = 0; ch < c; ch++) {
          const dst = rowBase + ch * m + mBase;
          let src = src0 + ch;
          for (let ox = oxLo; ox < oxHi; ox++, src += step) out[dst + ox] = x[src];
        }
      }
    }
  }
}
