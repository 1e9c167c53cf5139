/**
 * The arithmetic of int8 quantization: uint8 parameters for activations, symmetric int8
 * per-channel weights and int32 biases, rounded the way onnxruntime's QuantizeLinear rounds
 * (half to even), so what we store is what onnxruntime would have computed.
 */

/** Scale and zero point of one uint8 (or int8) quantized tensor: `real = (q - zeroPoint) * scale`. */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** A float range `[lo, hi]` an activation is expected to stay in. */
export interface Range {
  lo: number;
  hi: number;
}

// The smallest scale we write: a tensor that is constant 0 still needs a positive scale.
const MIN_SCALE = 1e-8;

/** Rounds half to even, like `std::nearbyint` in onnxruntime's QuantizeLinear. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back to the even neighbour on exact ties.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * uint8 parameters covering `range`, widened to include 0 so that zero (padding, ReLU's
 * floor) is exact. A range with `lo >= 0` gets zero point 0: onnxruntime then drops a Relu
 * or Clip in front of the QuantizeLinear (ReluQuantFusion) and the saturation does its work.
 */
export function uint8Params(range: Range): QParams {
  const lo = Math.min(0, range.lo);
  const hi = Math.max(0, range.hi);
  const scale = Math.max((hi - lo) / 255, MIN_SCALE);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** `clamp(roundHalfEven(x / scale) + zeroPoint, lo, hi)`. */
function quantizeValue(x: number, scale: number, zeroPoint: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, roundHalfEven(x / scale) + zeroPoint));
}

/** Per-channel symmetric int8 weights: values in [-127, 127], zero points 0. */
export interface QuantizedWeights {
  data: Int8Array;
  /** One scale per channel along `axis`. */
  scales: Float32Array;
  axis: number;
}

/**
 * Quantizes a weight tensor per channel along `axis`, symmetric in [-127, 127] (not -128:
 * the grid stays symmetric, and u8 x s8 products cannot saturate onnxruntime's 16-bit
 * intermediate sums on CPUs without VNNI).
 */
export function quantizeWeightsPerChannel(values: Float32Array, dims: readonly number[], axis: number): QuantizedWeights {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const absMax = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let m = absMax[c]!;
      for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(values[base + i]!));
      absMax[c] = m;
    }
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = absMax[c]! > 0 ? absMax[c]! / 127 : 1;
  const data = new Int8Array(values.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      // Divide by the float32 scale onnxruntime will multiply by, not the float64 one.
      const s = scales[c]!;
      for (let i = 0; i < inner; i++) data[base + i] = quantizeValue(values[base + i]!, s, 0, -127, 127);
    }
  }
  return { data, scales, axis };
}

/** Per-tensor symmetric int8 weights (one scale), for ops whose kernels take no per-channel scales. */
export function quantizeWeightsPerTensor(values: Float32Array): { data: Int8Array; scale: number } {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  const scale = Math.fround(m > 0 ? m / 127 : 1);
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = quantizeValue(values[i]!, scale, 0, -127, 127);
  return { data, scale };
}

const INT32_MAX = 2147483647;

/**
 * int32 bias for a layer with input scale `inputScale` and per-channel weight scales: scale
 * `inputScale * weightScale[c]`, zero point 0 (what QLinearConv adds to its int32 sums).
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { data: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(bias.length);
  const data = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
    scales[c] = s > 0 ? s : MIN_SCALE;
    data[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven(bias[c]! / scales[c]!)));
  }
  return { data, scales };
}
