/**
 * A bidirectional LSTM over a whole sequence: tfjs ops for training (one input projection
 * for all steps, then the recurrence), ONNX's `LSTM` operator for inference. Gates are
 * sigmoid/tanh/tanh (ONNX's defaults; tfjs-layers' LSTM defaults to hard sigmoid, which
 * ONNX cannot express in one op). No peepholes (Paddle's dynamic_lstm has them by default;
 * Keras' and tfjs' LSTMs do not).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { denseLast, values } from './head-layer';
import type { OnnxOps } from './onnx-ops';

/** One direction's weights in Keras' layout: kernel `[in, 4H]`, recurrent `[H, 4H]`, bias `[4H]`, gates i, f, c, o. */
export interface LstmWeights {
  kernel: tfl.LayerVariable;
  recurrent: tfl.LayerVariable;
  bias: tfl.LayerVariable;
}

/** Hidden states `[B, T, H]` of one direction; a reverse LSTM's state at t has read t…T-1 (ONNX's convention). */
function lstmDirection(x: tf.Tensor, w: LstmWeights, reverse: boolean): tf.Tensor {
  const [batch, steps] = x.shape;
  const hidden = w.recurrent.shape[0] as number;
  const projected = tf.add(denseLast(x, w.kernel.read()), w.bias.read());
  const perStep = tf.unstack(projected, 1);
  const r = w.recurrent.read() as tf.Tensor2D;
  let h: tf.Tensor = tf.zeros([batch, hidden]);
  let c: tf.Tensor = tf.zeros([batch, hidden]);
  const outs: tf.Tensor[] = new Array(steps);
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const z = tf.add(perStep[t], tf.matMul(h as tf.Tensor2D, r));
    const [i, f, g, o] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outs[t] = h;
  }
  return tf.stack(outs, 1);
}

/** `[B, T, 2H]`: forward and backward states side by side. */
export function biLstm(x: tf.Tensor, forward: LstmWeights, backward: LstmWeights): tf.Tensor {
  return tf.concat([lstmDirection(x, forward, false), lstmDirection(x, backward, true)], -1);
}

// Keras gate blocks are i, f, c, o; ONNX wants i, o, f, c.
const KERAS_TO_ONNX = [0, 3, 1, 2];

/** `[in, 4H]` (Keras) → `[4H, in]` in ONNX gate order. */
function onnxGateMatrix(m: Float32Array, inDim: number, hidden: number): Float32Array {
  const out = new Float32Array(4 * hidden * inDim);
  for (let gate = 0; gate < 4; gate++) {
    const src = KERAS_TO_ONNX[gate] * hidden;
    for (let u = 0; u < hidden; u++) for (let j = 0; j < inDim; j++) out[(gate * hidden + u) * inDim + j] = m[j * 4 * hidden + src + u];
  }
  return out;
}

function onnxGateBias(b: Float32Array, hidden: number): Float32Array {
  const out = new Float32Array(8 * hidden); // Wb then Rb (zero: Keras has one bias)
  for (let gate = 0; gate < 4; gate++) out.set(b.subarray(KERAS_TO_ONNX[gate] * hidden, (KERAS_TO_ONNX[gate] + 1) * hidden), gate * hidden);
  return out;
}

/** ONNX of {@link biLstm}: `x` `[B, T, in]` → `[B, T, 2H]`. */
export function emitBiLstm(ops: OnnxOps, x: string, forward: LstmWeights, backward: LstmWeights, base: string): string {
  const hidden = forward.recurrent.shape[0] as number;
  const inDim = forward.kernel.shape[0] as number;
  const dirs = [forward, backward];
  const W = new Float32Array(2 * 4 * hidden * inDim);
  const R = new Float32Array(2 * 4 * hidden * hidden);
  const B = new Float32Array(2 * 8 * hidden);
  dirs.forEach((d, i) => {
    W.set(onnxGateMatrix(values(d.kernel), inDim, hidden), i * 4 * hidden * inDim);
    R.set(onnxGateMatrix(values(d.recurrent), hidden, hidden), i * 4 * hidden * hidden);
    B.set(onnxGateBias(values(d.bias), hidden), i * 8 * hidden);
  });
  const seqFirst = ops.transpose(x, [1, 0, 2], `${base}_in`);
  const y = ops.g.node(
    'LSTM',
    [seqFirst, ops.const(`${base}_W`, [2, 4 * hidden, inDim], W), ops.const(`${base}_R`, [2, 4 * hidden, hidden], R), ops.const(`${base}_B`, [2, 8 * hidden], B)],
    `${base}_y`,
    { hidden_size: hidden, direction: 'bidirectional' },
  );
  // Y is [T, 2, B, H] → [B, T, 2, H] → [B, T, 2H] (forward first, as concat does).
  return ops.reshape(ops.transpose(y, [2, 0, 1, 3], `${base}_out`), [0, 0, -1], `${base}_out`);
}
