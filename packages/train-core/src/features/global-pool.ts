/** Global pooling of a batched feature map into one vector per image. */
import { InvalidArgumentError } from '@modelkit/core';

/** How a feature map becomes a vector: mean or max over the spatial axes, or no pooling (flatten). */
export type FeaturePool = 'avg' | 'max' | 'none';

/** Where the channel axis of a feature map is. */
export type FeatureLayout = 'channels-first' | 'channels-last';

/**
 * Splits a batched feature map `[N, ...]` into N vectors. With `avg`/`max` the map is
 * `[N, C, ...spatial]` (`channels-first`, what ONNX convolutions produce) or
 * `[N, ...spatial, C]` (`channels-last`, e.g. a transformer's `[N, T, C]`), and each
 * vector has C values; with `none` each vector is the image's flattened map. A rank-2
 * map `[N, C]` is returned as is whatever the pool.
 *
 * @throws InvalidArgumentError `E_INVALID_ARGUMENT` for a rank below 2, or data that does not fill `dims`.
 */
export function globalPool(data: Float32Array, dims: readonly number[], pool: FeaturePool, layout: FeatureLayout = 'channels-first'): Float32Array[] {
  if (dims.length < 2) throw new InvalidArgumentError(`globalPool: a feature map needs a batch axis and at least one more, got dims [${dims.join(', ')}]`);
  const n = dims[0]!;
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  if (data.length !== n * perImage) throw new InvalidArgumentError(`globalPool: ${data.length} values do not fill dims [${dims.join(', ')}]`);
  const out: Float32Array[] = [];
  if (pool === 'none' || dims.length === 2) {
    for (let i = 0; i < n; i++) out.push(data.slice(i * perImage, (i + 1) * perImage));
    return out;
  }
  const c = layout === 'channels-first' ? dims[1]! : dims[dims.length - 1]!;
  const spatial = perImage / c;
  // channels-first: channel k's values are contiguous (stride 1, block `spatial`);
  // channels-last: they are interleaved (stride c).
  const [step, block] = layout === 'channels-first' ? [1, spatial] : [c, 1];
  for (let i = 0; i < n; i++) {
    const base = i * perImage;
    const v = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      let acc = pool === 'max' ? -Infinity : 0;
      for (let s = 0, j = base + k * block; s < spatial; s++, j += step) {
        const x = data[j]!;
        if (pool === 'max') { if (x > acc) acc = x; } else acc += x;
      }
      v[k] = pool === 'max' ? acc : acc / spatial;
    }
    out.push(v);
  }
  return out;
}
