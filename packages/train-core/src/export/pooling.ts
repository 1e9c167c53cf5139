/** Max/average pooling and their global forms, in NCHW. */
import type { GraphBuilder, Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { spatialPads } from './conv';
import { unsupported } from './unsupported';

/** MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D. */
export function emitPooling(g: GraphBuilder, info: LayerInfo, input: Value, outShape: (number | null)[]): Value {
  info.requireChannelsLast();
  const x = g.asNchw(input);
  switch (info.className) {
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const op = info.className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool';
      const pooled = g.node(op, [x.name], `${info.name}_pool`);
      // tfjs drops the 1×1 spatial axes: [N, C].
      return { name: g.node('Flatten', [pooled], info.name, { axis: 1 }), layout: 'tf', shape: outShape };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const kernel = info.pair('poolSize', [2, 2]);
      const strides = info.has('strides') ? info.pair('strides') : kernel;
      const pads = spatialPads(info, [input.shape[1], input.shape[2]], kernel, strides, [1, 1]);
      const op = info.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
      // AveragePool's count_include_pad defaults to 0, which is TF's SAME averaging.
      const y = g.node(op, [x.name], info.name, { kernel_shape: kernel, strides, ...pads });
      return { name: y, layout: 'nchw', shape: outShape };
    }
    default:
      throw unsupported(info.className, info.name);
  }
}
