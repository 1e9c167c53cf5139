/** Activation layers: Activation, ReLU, LeakyReLU, ELU, PReLU, ThresholdedReLU, Softmax. */
import { clip, emitActivation } from './activations';
import { GraphBuilder, type Value } from './graph-builder';
import type { LayerInfo } from './layer-info';
import { unsupported } from './unsupported';

/** An activation layer applied to `input`; elementwise ones keep the input's layout. */
export function emitActivationLayer(g: GraphBuilder, info: LayerInfo, input: Value): Value {
  const same = (name: string): Value => ({ ...input, name });
  switch (info.className) {
    case 'Activation': {
      const name = info.string('activation');
      const y = emitActivation(g, name, input, info.name);
      if (!y) throw unsupported(info.className, info.name, `activation=${name}`);
      return y;
    }
    case 'ReLU': {
      const max = info.has('maxValue') ? info.number('maxValue') : null;
      return same(max === null ? g.node('Relu', [input.name], info.name) : clip(g, input.name, 0, max, info.name));
    }
    case 'LeakyReLU':
      return same(g.node('LeakyRelu', [input.name], info.name, { alpha: info.number('alpha', 0.3) }, { alpha: 'float' }));
    case 'ELU':
      return same(g.node('Elu', [input.name], info.name, { alpha: info.number('alpha', 1) }, { alpha: 'float' }));
    case 'ThresholdedReLU':
      return same(g.node('ThresholdedRelu', [input.name], info.name, { alpha: info.number('theta', 1) }, { alpha: 'float' }));
    case 'PReLU': {
      if (info.has('sharedAxes')) throw unsupported(info.className, info.name, 'sharedAxes');
      // The slope has tfjs' per-sample shape, so apply it in tfjs' layout.
      const x = g.asTf(input);
      const a = info.requireWeight('alpha');
      return { ...x, name: g.node('PRelu', [x.name, g.floatConst(`${info.name}_alpha`, a.shape, a.data)], info.name) };
    }
    case 'Softmax': {
      const raw = info.raw('axis');
      const axis = Array.isArray(raw) && raw.length === 1 ? Number(raw[0]) : typeof raw === 'number' ? raw : -1;
      return same(g.node('Softmax', [input.name], info.name, { axis: GraphBuilder.onnxAxis(axis, input.shape.length, input.layout) }));
    }
    default:
      throw unsupported(info.className, info.name);
  }
}
