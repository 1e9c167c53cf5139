/**
 * What every `modelkit train …` command prints while it trains and when it ends: a redrawn
 * progress bar on a terminal, else one line per evaluated epoch; then the run's summary as
 * text, or as one JSON object with `--json`.
 */
import { ProgressBar, writeJsonLine } from '@modelkit/core';
import type { CliIO, ProgressCallback } from '@modelkit/core';

/** One stderr line per evaluated epoch (and the end), without the values `hide` names. */
function epochLines(io: CliIO, hide: (key: string) => boolean): ProgressCallback {
  return (e) => {
    const evalLine = e.phase === 'progress' && e.message?.endsWith(' eval');
    if (!evalLine && e.phase !== 'end') return;
    const values = Object.entries(e.values ?? {})
      .filter(([k]) => k !== 'lr' && !hide(k))
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(4) : v}`)
      .join(' ');
    const what = evalLine ? e.message!.replace(/ eval$/, '') : `end (${e.message ?? ''})`;
    io.stderr.write(`${what}: step ${e.done}/${e.total ?? '?'} ${values}\n`);
  };
}

/** Callbacks a training run reports through. */
export interface TrainReporters {
  onProgress: ProgressCallback;
  onMessage: (line: string) => void;
}

/**
 * Runs `train` with progress on `io.stderr` and prints its summary (`text(summary)`, or the
 * summary as JSON when `json`). `hide` drops values from the per-epoch lines (e.g. per-class
 * IoUs); the learning rate is never printed there. Resolves to exit code 0.
 */
export async function runTraining<S>(
  io: CliIO,
  json: boolean,
  train: (reporters: TrainReporters) => Promise<S>,
  text: (summary: S) => string,
  hide: (key: string) => boolean = () => false,
): Promise<number> {
  const bar = io.interactive ? new ProgressBar(io.stderr) : undefined;
  try {
    const summary = await train({
      onProgress: bar ? bar.update : epochLines(io, hide),
      onMessage: (line) => io.stderr.write(`${line}\n`),
    });
    bar?.stop();
    if (json) writeJsonLine(io.stdout, summary);
    else io.stdout.write(text(summary));
    return 0;
  } finally {
    bar?.stop();
  }
}
