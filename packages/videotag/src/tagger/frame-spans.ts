/** Turning per-frame flags into time ranges. */
import type { TimeSpan } from './types';

/**
 * The time each sampled frame stands for: from half-way to the previous frame to half-way
 * to the next (the first from 0, the last to `duration`).
 */
export function frameCoverage(times: readonly number[], duration: number): TimeSpan[] {
  return times.map((t, i) => {
    const start = i === 0 ? 0 : (times[i - 1] + t) / 2;
    const end = i === times.length - 1 ? Math.max(duration, t) : (t + times[i + 1]) / 2;
    return [start, end];
  });
}

/** The time ranges covered by the flagged frames, adjacent frames merged. Rounded to ms. */
export function flaggedSpans(flags: readonly boolean[], coverage: readonly TimeSpan[]): TimeSpan[] {
  const out: TimeSpan[] = [];
  flags.forEach((on, i) => {
    if (!on) return;
    const [s, e] = coverage[i];
    const last = out[out.length - 1];
    if (last && i > 0 && flags[i - 1]) last[1] = e;
    else out.push([s, e]);
  });
  return out.map(([s, e]) => [round3(s), round3(e)]);
}

/** Rounds to milliseconds. */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
