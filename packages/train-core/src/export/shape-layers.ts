/** Layers that move elements: Flatten, Reshape, Permute, ZeroPadding2D, Cropping2D, UpSampling2D. */
import type { GraphBuilder, Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { unsupported } from './unsupported';

function pairOfPairs(info: LayerInfo, key: string): [[number, number], [number, number]] {
  const v = info.raw(key);
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) {
    const side = (e: unknown): [number, number] => {
      if (typeof e === 'number') return [e, e];
      if (Array.isArray(e) && e.length === 2 && typeof e[0] === 'number' && typeof e[1] === 'number') return [e[0], e[1]];
      throw unsupported(info.className, info.name, `${key}=${JSON.stringify(v)}`);
    };
    return [side(v[0]), side(v[1])];
  }
  throw unsupported(info.className, info.name, `${key}=${JSON.stringify(v)}`);
}

/** A shape layer applied to `input`. */
export function emitShapeLayer(g: GraphBuilder, info: LayerInfo, input: Value, outShape: (number | null)[]): Value {
  switch (info.className) {
    case 'Flatten': {
      // tfjs flattens NHWC row-major: go back to its layout first.
      const x = g.asTf(input);
      return { name: g.node('Flatten', [x.name], info.name, { axis: 1 }), layout: 'tf', shape: outShape };
    }
    case 'Reshape': {
      const x = g.asTf(input);
      const target = info.raw('targetShape');
      if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) throw unsupported(info.className, info.name, 'targetShape');
      // 0 copies the batch size from the input (ONNX Reshape with allowzero = 0).
      const shape = g.int64Const(`${info.name}_shape`, [0, ...(target as number[])]);
      return { name: g.node('Reshape', [x.name, shape], info.name), layout: 'tf', shape: outShape };
    }
    case 'Permute': {
      const x = g.asTf(input);
      const dims = info.raw('dims');
      if (!Array.isArray(dims)) throw unsupported(info.className, info.name, 'dims');
      return { name: g.node('Transpose', [x.name], info.name, { perm: [0, ...(dims as number[])] }), layout: 'tf', shape: outShape };
    }
    case 'ZeroPadding2D': {
      info.requireChannelsLast();
      const x = g.asNchw(input);
      const [[t, b], [l, r]] = pairOfPairs(info, 'padding');
      const pads = g.int64Const(`${info.name}_pads`, [0, 0, t, l, 0, 0, b, r]);
      return { name: g.node('Pad', [x.name, pads], info.name, { mode: 'constant' }), layout: 'nchw', shape: outShape };
    }
    case 'Cropping2D': {
      info.requireChannelsLast();
      const x = g.asNchw(input);
      const [[t, b], [l, r]] = pairOfPairs(info, 'cropping');
      // A negative end counts from the back, so the crop works for any input size.
      const end = (n: number): number => (n > 0 ? -n : 2 ** 31 - 1);
      const inputs = [x.name, g.int64Const(`${info.name}_starts`, [t, l]), g.int64Const(`${info.name}_ends`, [end(b), end(r)]), g.int64Const(`${info.name}_axes`, [2, 3])];
      return { name: g.node('Slice', inputs, info.name), layout: 'nchw', shape: outShape };
    }
    case 'UpSampling2D': {
      info.requireChannelsLast();
      const x = g.asNchw(input);
      const [sh, sw] = info.pair('size', [2, 2]);
      const interpolation = info.string('interpolation', 'nearest');
      if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw unsupported(info.className, info.name, `interpolation=${interpolation}`);
      const scales = g.floatConst(`${info.name}_scales`, [4], [1, 1, sh, sw]);
      // tfjs resizes with alignCorners = halfPixelCenters = false: source = dest · in/out,
      // i.e. ONNX "asymmetric"; nearest takes floor of it.
      const attrs: Record<string, string> = interpolation === 'nearest'
        ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
        : { mode: 'linear', coordinate_transformation_mode: 'asymmetric' };
      return { name: g.node('Resize', [x.name, '', scales], info.name, attrs), layout: 'nchw', shape: outShape };
    }
    default:
      throw unsupported(info.className, info.name);
  }
}
