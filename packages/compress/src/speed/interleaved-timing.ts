/**
 * Timing two or more models fairly on a shared machine: one process, one thread each,
 * runs interleaved round by round (A B, B A, A B, ...), so load from other processes hits
 * every model alike; the median of the per-round times is what counts.
 */
import { performance } from 'node:perf_hooks';
import { InferenceSession } from '@modelkit/core';
import type { OnnxModel, SessionOptions, TensorData } from '@modelkit/core';
import { encodeOnnx } from '@modelkit/core';

/** A model to time. */
export interface TimedModel {
  name: string;
  source: string | Uint8Array | OnnxModel;
  /** Extra session options (e.g. `optimize: true` for a float model as its kit loads it). */
  session?: SessionOptions;
}

/** Median time of one pass over the feeds, per model. */
export interface TimingResult {
  name: string;
  /** Median over rounds of the time to run every feed once (ms). */
  medianMs: number;
  /** All round times (ms), in order. */
  roundsMs: number[];
}

/** Options of {@link timeInterleaved}. */
export interface TimingOptions {
  /** Rounds (default 20); each runs every model once over all feeds. */
  rounds?: number;
  /** Warm-up rounds not counted (default 2). */
  warmup?: number;
  /** intra-op threads (default 1: the number that stays stable when other processes share the cores). */
  threads?: number;
}

/** Median of a list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `models` on `feeds`, interleaved, in this process. Results in the order of `models`.
 */
export async function timeInterleaved(models: readonly TimedModel[], feeds: readonly Record<string, TensorData>[], options: TimingOptions = {}): Promise<TimingResult[]> {
  const rounds = options.rounds ?? 20;
  const warmup = options.warmup ?? 2;
  const sessions: InferenceSession[] = [];
  try {
    for (const m of models) {
      const source = typeof m.source === 'object' && !(m.source instanceof Uint8Array) ? encodeOnnx(m.source) : m.source;
      sessions.push(await InferenceSession.create(source, { ...m.session, threads: options.threads ?? 1, interOpThreads: 1, spinning: false, name: m.name }));
    }
    const times = models.map(() => [] as number[]);
    for (let r = 0; r < warmup + rounds; r++) {
      // Alternate the order so neither model always runs right after the other's cache state.
      const order = sessions.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const t0 = performance.now();
        for (const f of feeds) await sessions[i]!.run(f);
        if (r >= warmup) times[i]!.push(performance.now() - t0);
      }
    }
    return models.map((m, i) => ({ name: m.name, medianMs: median(times[i]!), roundsMs: times[i]! }));
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
