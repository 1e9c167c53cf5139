/** ONNX forms of tfjs' activation functions (`activation: '...'` and activation layers). */
import { GraphBuilder, type Value } from './graph-builder';

// tfjs' selu constants (activations.ts), which are also ONNX Selu's defaults.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Activation names {@link emitActivation} maps (tfjs' serialized class names). */
export const SUPPORTED_ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'logSoftmax',
  'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new',
] as const;

/**
 * Emits `activation` applied to `x`; softmax-like activations work on tfjs' last axis.
 * Returns `null` for an unknown name so the caller can name the layer in its error.
 */
export function emitActivation(g: GraphBuilder, activation: string, x: Value, base: string): Value | null {
  const out = (name: string): Value => ({ ...x, name });
  const lastAxis = GraphBuilder.onnxAxis(-1, x.shape.length, x.layout);
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return out(g.node('Relu', [x.name], `${base}_relu`));
    case 'relu6':
      return out(clip(g, x.name, 0, 6, base));
    case 'elu':
      return out(g.node('Elu', [x.name], `${base}_elu`, { alpha: 1 }, { alpha: 'float' }));
    case 'selu':
      return out(g.node('Selu', [x.name], `${base}_selu`, { alpha: SELU_ALPHA, gamma: SELU_SCALE }));
    case 'sigmoid':
      return out(g.node('Sigmoid', [x.name], `${base}_sigmoid`));
    case 'hardSigmoid':
      // tfjs: clip(0.2 x + 0.5, 0, 1), ONNX HardSigmoid's defaults.
      return out(g.node('HardSigmoid', [x.name], `${base}_hsigmoid`, { alpha: 0.2, beta: 0.5 }));
    case 'tanh':
      return out(g.node('Tanh', [x.name], `${base}_tanh`));
    case 'softmax':
      return out(g.node('Softmax', [x.name], `${base}_softmax`, { axis: lastAxis }));
    case 'logSoftmax':
      return out(g.node('LogSoftmax', [x.name], `${base}_logsoftmax`, { axis: lastAxis }));
    case 'softplus':
      return out(g.node('Softplus', [x.name], `${base}_softplus`));
    case 'softsign':
      return out(g.node('Softsign', [x.name], `${base}_softsign`));
    case 'swish': {
      // tfjs swish (alpha 1) = x · sigmoid(x), also called silu.
      const s = g.node('Sigmoid', [x.name], `${base}_sig`);
      return out(g.node('Mul', [x.name, s], `${base}_swish`));
    }
    case 'mish': {
      const sp = g.node('Softplus', [x.name], `${base}_softplus`);
      const t = g.node('Tanh', [sp], `${base}_tanh`);
      return out(g.node('Mul', [x.name, t], `${base}_mish`));
    }
    case 'gelu': {
      // tfjs: x · 0.5 · (1 + erf(x / √2)), the exact form.
      const d = g.node('Div', [x.name, g.floatConst(`${base}_sqrt2`, [], [Math.SQRT2])], `${base}_div`);
      const e = g.node('Erf', [d], `${base}_erf`);
      const p = g.node('Add', [e, g.floatConst(`${base}_one`, [], [1])], `${base}_add`);
      const h = g.node('Mul', [x.name, p], `${base}_mul`);
      return out(g.node('Mul', [h, g.floatConst(`${base}_half`, [], [0.5])], `${base}_gelu`));
    }
    case 'gelu_new': {
      // tfjs: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
      const x3 = g.node('Mul', [x.name, g.node('Mul', [x.name, x.name], `${base}_x2`)], `${base}_x3`);
      const inner = g.node('Add', [x.name, g.node('Mul', [x3, g.floatConst(`${base}_c`, [], [0.044715])], `${base}_cx3`)], `${base}_in`);
      const t = g.node('Tanh', [g.node('Mul', [inner, g.floatConst(`${base}_k`, [], [Math.sqrt(2 / Math.PI)])], `${base}_kin`)], `${base}_tanh`);
      const p = g.node('Add', [t, g.floatConst(`${base}_one`, [], [1])], `${base}_add`);
      const h = g.node('Mul', [x.name, p], `${base}_mul`);
      return out(g.node('Mul', [h, g.floatConst(`${base}_half`, [], [0.5])], `${base}_gelu`));
    }
    default:
      return null;
  }
}

/** Clip between constants (opset ≥ 11 takes min and max as inputs). */
export function clip(g: GraphBuilder, x: string, min: number | null, max: number | null, base: string): string {
  const lo = min === null ? '' : g.floatConst(`${base}_min`, [], [min]);
  const hi = max === null ? '' : g.floatConst(`${base}_max`, [], [max]);
  const inputs = hi === '' ? (lo === '' ? [x] : [x, lo]) : [x, lo, hi];
  return g.node('Clip', inputs, `${base}_clip`);
}
