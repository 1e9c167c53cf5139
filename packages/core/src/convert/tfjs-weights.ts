/**
 * Decodes the weights of a tfjs graph model: reads each manifest group's shards as one
 * buffer and cuts it into tensors, dequantizing uint8/uint16 (`v * scale + min`) and
 * float16 weights to float32, as tfjs' own `decodeWeights` does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, ModelError } from '../errors';
import { type ConstTensor, sizeOf } from './const-tensor';
import type { TfjsWeightEntry, TfjsWeightGroup } from './tfjs-model-json';

/** Reads every shard a manifest names (relative to `baseDir`) and decodes all weights. */
export async function readTfjsWeights(manifest: readonly TfjsWeightGroup[], baseDir: string): Promise<Map<string, ConstTensor>> {
  const out = new Map<string, ConstTensor>();
  for (const group of manifest) {
    const shards: Buffer[] = [];
    for (const p of group.paths) {
      const file = join(baseDir, decodeURIComponent(p));
      try {
        shards.push(await readFile(file));
      } catch (err) {
        throw new ModelError(ErrorCodes.FILE_NOT_FOUND, `weight shard ${file} cannot be read`, { cause: err, details: { path: file } });
      }
    }
    decodeWeightGroup(group.weights, Buffer.concat(shards), out, group.paths.join(','));
  }
  return out;
}

/** Decodes the weights of one group from the concatenation of its shards. */
export function decodeWeightGroup(weights: readonly TfjsWeightEntry[], buffer: Uint8Array, out: Map<string, ConstTensor>, source = 'weights'): void {
  // Copy into an aligned buffer so typed-array views never need an unaligned offset.
  const bytes = new Uint8Array(buffer.byteLength);
  bytes.set(buffer);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const w of weights) {
    const n = sizeOf(w.shape);
    const q = w.quantization;
    const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : w.dtype === 'bool' || w.dtype === 'uint8' ? 1 : w.dtype === 'float16' ? 2 : 4;
    if (w.dtype === 'string' || w.dtype === 'complex64' || w.dtype === 'int64') {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight "${w.name}" has dtype ${w.dtype}, which the converter does not support`, { details: { weight: w.name } });
    }
    const end = offset + n * bytesPer;
    if (end > bytes.byteLength) {
      throw new ModelError(ErrorCodes.MODEL_FORMAT, `weight "${w.name}" needs bytes ${offset}..${end} but ${source} holds ${bytes.byteLength}`, {
        details: { weight: w.name, needed: end, size: bytes.byteLength },
      });
    }
    const isInt = (q?.original_dtype ?? w.dtype) === 'int32' || w.dtype === 'int32';
    const isBool = w.dtype === 'bool';
    const data = isInt || isBool ? new Int32Array(n) : new Float32Array(n);
    if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const v = q.dtype === 'uint8' ? bytes[offset + i] : view.getUint16(offset + 2 * i, true);
        data[i] = isInt ? Math.round(v * scale + min) : v * scale + min;
      }
    } else if (q?.dtype === 'float16' || w.dtype === 'float16') {
      for (let i = 0; i < n; i++) data[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
    } else if (isBool || w.dtype === 'uint8') {
      for (let i = 0; i < n; i++) data[i] = bytes[offset + i];
    } else if (isInt) {
      for (let i = 0; i < n; i++) data[i] = view.getInt32(offset + 4 * i, true);
    } else {
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    }
    out.set(w.name, { dtype: isBool ? 'bool' : isInt ? 'int32' : 'float32', shape: [...w.shape], data });
    offset = end;
  }
}

/** IEEE 754 half → float (handles subnormals, inf, NaN). */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float → IEEE 754 half bits, round-to-nearest-even (test fixtures write float16 shards with it; compress stores fp16 weights). */
export function float32ToFloat16(f: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f, true);
  const x = buf.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half; // carry into the exponent is the correct rounding
  return sign | e;
}
