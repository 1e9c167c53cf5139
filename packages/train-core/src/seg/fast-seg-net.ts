/**
 * A fast two-branch segmentation net in the BiSeNet / PP-LiteSeg family for real-time
 * use: a shallow, wide spatial branch keeps detail at stride 8; a deep, narrow context
 * branch of separable convs reaches stride 32 and is re-weighted by a global-context gate
 * (BiSeNet's attention refinement); a feature-fusion unit joins both at stride 8, and the
 * logits are upsampled ×8 to the input.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@modelkit/core';
import { SegLayers, type Sym } from './seg-layers';

/** Options of {@link fastSegNet}. */
export interface FastSegNetOptions {
  /** Square input side; a multiple of 32. */
  inputSize: number;
  numClasses: number;
  /** Channel width multiplier. Default 1 (64 channels at the fusion). */
  width?: number;
  seed?: number;
}

/** Builds the two-branch net (logits `[N, H, W, numClasses]`, input RGB in [0, 1]). */
export function fastSegNet(options: FastSegNetOptions): tfl.LayersModel {
  const size = options.inputSize;
  if (!(Number.isInteger(size) && size >= 32 && size % 32 === 0)) throw new InvalidArgumentError(`fast: inputSize must be a multiple of 32, got ${size}`);
  const k = options.width ?? 1;
  const ch = (c: number): number => Math.max(8, Math.round((c * k) / 8) * 8);
  const L = new SegLayers(options.seed ?? 1);
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  const mul = (a: Sym, b: Sym, name: string): Sym => tfl.layers.multiply({ name }).apply([a, b]) as Sym;
  const add = (a: Sym, b: Sym, name: string): Sym => tfl.layers.add({ name }).apply([a, b]) as Sym;

  // Spatial branch: three strided convs, stride 8.
  let sp = L.convBnRelu(input, ch(32), 3, 'spatial1', 2);
  sp = L.convBnRelu(sp, ch(48), 3, 'spatial2', 2);
  sp = L.convBnRelu(sp, ch(64), 3, 'spatial3', 2);

  // Context branch: a stem and separable convs down to stride 32.
  let cx = L.convBnRelu(input, ch(16), 3, 'context_stem', 2);
  cx = L.sepConvBnRelu(cx, ch(32), 'context2', 2);
  cx = L.sepConvBnRelu(cx, ch(64), 'context3', 2);
  const c16 = L.sepConvBnRelu(cx, ch(96), 'context4', 2);
  let c32 = L.sepConvBnRelu(c16, ch(128), 'context5', 2);
  c32 = L.sepConvBnRelu(c32, ch(128), 'context5b');
  // Attention refinement: a sigmoid gate from global context, plus the global context itself.
  c32 = mul(c32, L.imagePool(c32, ch(128), 'arm32', true), 'arm32_mul');
  c32 = add(c32, L.imagePool(c32, ch(128), 'global'), 'global_add');
  c32 = L.convBnRelu(L.up(c32, 2, 'context_up32'), ch(64), 3, 'context_refine32');
  let c = L.convBnRelu(c16, ch(64), 1, 'context_proj16');
  c = add(c, c32, 'context_add16');
  c = L.convBnRelu(L.up(c, 2, 'context_up16'), ch(64), 3, 'context_refine16');

  // Feature fusion: concat, 1×1 unit, channel attention, residual.
  let f = tfl.layers.concatenate({ axis: -1, name: 'ffm_concat' }).apply([sp, c]) as Sym;
  f = L.convBnRelu(f, ch(64), 1, 'ffm_conv');
  f = add(f, mul(f, L.imagePool(f, ch(64), 'ffm_gate', true), 'ffm_mul'), 'ffm_add');
  f = L.convBnRelu(f, ch(64), 3, 'head');
  const out = L.up(L.logits(f, options.numClasses, 'logits'), 8, 'logits_up8');
  return tfl.model({ inputs: input, outputs: out, name: 'fast_seg_net' });
}
