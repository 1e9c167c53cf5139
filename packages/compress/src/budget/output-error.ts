/**
 * How far a quantized model's outputs are from the float model's: signal-to-quantization-
 * noise ratio over all outputs and inputs, in dB (higher is closer; +6 dB per halved error).
 */
import type { InferenceSession, TensorData } from '@modelkit/core';

/** Reference outputs of the float model for a set of feeds. */
export type ReferenceOutputs = Record<string, TensorData>[];

/** Runs `session` on every feed and keeps the outputs. */
export async function referenceOutputs(session: InferenceSession, feeds: readonly Record<string, TensorData>[]): Promise<ReferenceOutputs> {
  const out: ReferenceOutputs = [];
  for (const f of feeds) out.push(await session.run(f));
  return out;
}

/** Accumulates signal and noise energy over outputs. */
export class NoiseMeter {
  private signal = 0;
  private noise = 0;

  /** Adds one set of outputs compared with its reference (float outputs only; others must match exactly). */
  add(reference: Record<string, TensorData>, actual: Record<string, TensorData>): void {
    for (const [name, ref] of Object.entries(reference)) {
      const got = actual[name];
      if (got === undefined || !(ref.data instanceof Float32Array) || !(got.data instanceof Float32Array)) continue;
      const a = ref.data;
      const b = got.data;
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) {
        const d = a[i]! - b[i]!;
        this.signal += a[i]! * a[i]!;
        this.noise += d * d;
      }
    }
  }

  /** SQNR in dB (Infinity when identical). */
  get sqnr(): number {
    if (this.noise === 0) return Infinity;
    if (this.signal === 0) return -Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }

  /** Relative L2 error, ||y - y0|| / ||y0||. */
  get relativeError(): number {
    return this.signal === 0 ? (this.noise === 0 ? 0 : Infinity) : Math.sqrt(this.noise / this.signal);
  }
}

/** SQNR (dB) of `session` against `reference` on `feeds`. */
export async function outputSqnr(session: InferenceSession, feeds: readonly Record<string, TensorData>[], reference: ReferenceOutputs): Promise<{ sqnr: number; relativeError: number }> {
  const meter = new NoiseMeter();
  for (let i = 0; i < feeds.length; i++) meter.add(reference[i]!, await session.run(feeds[i]!));
  return { sqnr: meter.sqnr, relativeError: meter.relativeError };
}
